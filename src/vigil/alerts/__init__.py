"""Alerts: CAP 1.2 messages geo-targeted to sites, delivered live, by webhook and e-mail."""
