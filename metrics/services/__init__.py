"""Writes of the metrics app, one module per area (see lifecycle/services for the conventions)."""
