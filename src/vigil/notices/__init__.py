"""Security notices: short shareable messages (e.g. "raised threat over the holidays")."""
