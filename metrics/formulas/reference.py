"""The metric reference as Markdown, written from the registry: ``manage.py metrics_reference`` prints it and
``docs/metrics.md`` is its output, checked by a test so the document never says something the panels do not."""

from __future__ import annotations

from metrics.formulas.registry import METRICS, MetricSpec

SCOPES = (("portfolio", "Portfolio"), ("scrum", "Scrum"), ("product", "Product"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _unit(spec: MetricSpec, currency: str) -> str:
    return "money (installation currency)" if spec.unit == currency else spec.unit


def metrics_reference_markdown(currency: str) -> str:
    """Every registered metric: label, key, unit, formula (with the choices made), inputs and thresholds.
    ``currency``: the code money units carry, written as "money (installation currency)"."""
    lines = [
        "# Metric reference",
        "",
        "Generated from `metrics/formulas/registry.py` by `python manage.py metrics_reference > docs/metrics.md`;",
        'the same text is each number\'s "how is this computed" panel and `GET /api/v1/metrics/`.',
    ]
    for scope, title in SCOPES:
        lines += [
            "",
            f"## {title}",
            "",
            "| metric | key | unit | definition | inputs | thresholds |",
            "|---|---|---|---|---|---|",
        ]
        for spec in (spec for spec in METRICS.values() if spec.scope == scope):
            cells = (spec.label, f"`{spec.key}`", _unit(spec, currency), spec.formula, "; ".join(spec.inputs),
                     spec.thresholds)  # fmt: skip
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
