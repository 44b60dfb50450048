"""Snapshot computer(s) of the scrum area: registered with @snapshot_computer."""
