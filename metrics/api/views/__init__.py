"""Views of the metrics API: inputs (portfolio, scrum, product), CSV imports, snapshots and the registry."""
