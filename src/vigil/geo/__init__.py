"""Offline geocoding and geometry shared by incidents, sites and alerts: place names to cities,
points back to cities, distances and bounding boxes, from data shipped inside installed packages.
"""
