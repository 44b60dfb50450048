"""Model rows -> the formulas' input dataclasses, one module per area, each read with a constant number of queries.

The formulas (``metrics.formulas``) know nothing of Django; these functions are the one place that knows both.
"""
