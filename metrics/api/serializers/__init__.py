"""Serializers of the metrics API: read shapes, and input shapes that check form only.

Rules (who may write, in which state, cross-field checks) live in metrics.services; views pass validated
input there, so the form, the CSV import and the API refuse the same things with the same messages.
"""
