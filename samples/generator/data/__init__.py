"""Data files of the generator (a package so that packaging ships them)."""
