"""Pages of education: the family's (``family``) and the town officers' (``officer``)."""
