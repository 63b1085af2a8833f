"""Sharing: Vigil's records as STIX 2.1 under TLP 2.0, read through the same access policy as
everything else, at each organisation's sharing profile."""
