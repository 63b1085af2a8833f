"""Incidents: reports (accounts as submitted) and incidents (the events built from them)."""
