"""Rule data (YAML) of the service, policy and filing-type checks; loaded by ``validators.support.rules``."""
