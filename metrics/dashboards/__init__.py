"""Dashboard pages: selectors read snapshots, builders turn them into ``Chart`` objects, views stay thin."""
