"""The composition root: the CLI (``cli``), the portal API (``api``) and the wiring that builds a runner from
the floors below (``wiring``)."""
