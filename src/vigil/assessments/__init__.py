"""Vulnerability assessment: methodologies as data, scores, risk and prioritised measures."""
