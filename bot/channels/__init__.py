"""Rasa input channels of this project (listed in credentials.yml)."""
