"""Residents (新市民), residence registration and permits: models arrive with their feature."""
