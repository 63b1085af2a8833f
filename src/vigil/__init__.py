"""Vigil: community security organisations, site operators and authorities protecting soft targets together."""

__version__ = "0.1.0"
