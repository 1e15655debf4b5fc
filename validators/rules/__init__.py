"""Rule data (YAML) of the service, policy and filing-type checks; loaded by ``pipeline.rules``."""
