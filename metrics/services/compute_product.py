"""Snapshot computer(s) of the product area: registered with @snapshot_computer."""
