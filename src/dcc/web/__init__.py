"""The web side: pages, the JSON API under /api/v1, local static assets."""
