"""Snapshot computer(s) of the portfolio area: registered with @snapshot_computer."""
