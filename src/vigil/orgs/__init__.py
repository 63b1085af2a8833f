"""Organisations, networks, people and their memberships."""
