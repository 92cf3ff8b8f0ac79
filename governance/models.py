"""Village and community committees and non-hukou participation: models arrive with their feature."""
