"""The governance pages: the resident's (``community``) and the town officers' (``officer``)."""
