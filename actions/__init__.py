"""Custom actions; the action server registers every concrete Action subclass in this package."""
