"""Portfolios, business units, strategic goals and memberships are registered in ``lifecycle/admin.py``: their
changes go through lifecycle's audited services, which this app does not import."""
