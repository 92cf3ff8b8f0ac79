"""Schools, admission rounds and points applications: models arrive with their feature."""
