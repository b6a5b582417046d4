"""Informational-interview assignments, plans and write-ups (issue 3)."""
