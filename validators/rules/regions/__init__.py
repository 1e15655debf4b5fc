"""Regional overlays of the service rules (data only)."""
