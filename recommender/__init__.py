"""Feature definitions, the two-tower model, its training pipeline, registry, serving and evaluation (see DESIGN.md)."""
