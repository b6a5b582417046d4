"""Planned reminders and their delivery (issue 4)."""
