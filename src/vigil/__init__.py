"""Vigil: security organisations, site operators and authorities protecting soft targets."""

__version__ = "0.1.0"
