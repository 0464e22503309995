"""Hybrid text search, image search, filters and facets, and search evaluation (see DESIGN.md)."""
