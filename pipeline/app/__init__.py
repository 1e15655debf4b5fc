"""The composition root: the CLI and the HTTP app, and the wiring that builds a runner from the floors below."""
