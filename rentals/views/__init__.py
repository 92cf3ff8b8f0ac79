"""Pages of rentals, one module per kind of user: ``grid`` (the grid worker's day and the
one-screen inspection, offline), ``landlord`` (houses, hazards, rectifications, the notice, and
the tenant's view), ``officer`` (the town's hazards, the escalation queues, imports)."""
