"""Lifecycle API views: each state change is its own endpoint (input serializer -> service -> output)."""
