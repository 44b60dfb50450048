"""Pure metric formulas: every number of ``METRICS.md`` as a function of plain values.

Rules shared by every module in this package:

* **Floats, not Decimal.** Metrics are ratios, indices, percentiles and Monte-Carlo statistics; numpy and the
  ``statistics`` module work in binary floats and a ratio like CPI has no "exact" decimal value anyway. Money
  comes from the database as ``Decimal``: every function accepts ``Decimal`` (or ``int``) and converts it with
  ``float()`` on entry, and every result is a ``float`` (counts stay ``int``). Rounding happens only when a
  number is displayed or stored in a snapshot, never inside a formula.
* **Undefined is ``None``.** A ratio whose denominator is zero (zero commitment, zero planned value, zero churn,
  no responses, an empty window) returns ``None``: not 0 (which would read as "bad") and not an exception
  (which would break a dashboard). Callers show "n/a" with the reason from the registry.
* **Meaningless inputs raise ``ValueError``**: a negative budget, a probability above 1, an NPS score of 11,
  a start date before the ideation date.
* **Cancelled work items count nowhere**: not in commitment, scope or completion, evaluated at the moment the
  metric is taken ("as of" the sprint start for commitment, "as of" each day's end for burndown). A later
  cancellation therefore shows up as scope removed, never as a rewrite of the initial commitment.
* Dates are ``datetime.date``; change-log timestamps are ``datetime.datetime`` (naive or aware, but one kind
  per call). Thresholds are parameters with defaults from ``bands``, so a portfolio can configure them.
* ``registry.METRICS`` describes every metric (label, unit, formula, inputs, thresholds, function) for the
  "how is this computed" panel.

No Django models, no database, no I/O: the models that feed these functions convert themselves into the small
frozen input dataclasses declared next to each formula.
"""
