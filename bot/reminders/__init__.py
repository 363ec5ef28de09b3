"""Reminders a student asks for: an information session, emailed the day before with its calendar file."""
