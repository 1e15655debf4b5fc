"""Applications on top of the pipeline (the HTTP API; the review desk later)."""
