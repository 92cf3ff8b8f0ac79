"""Writes of governance: committees and their members, elections on their statutory steps."""
