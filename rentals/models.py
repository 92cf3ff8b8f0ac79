"""Rental houses, fire-safety inspections and hazards: models arrive with their feature."""
