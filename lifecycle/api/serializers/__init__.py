"""Serializers of the lifecycle API: read shapes, and input shapes that validate form only.

Domain rules (who may, in which state) live in lifecycle.services; views pass validated input there.
"""
