"""docs/metrics.md is the registry's own text: regenerate it with `manage.py metrics_reference` when a
definition changes, or this fails."""

import io
from pathlib import Path

from django.core.management import call_command

from metrics.formulas.reference import metrics_reference_markdown
from metrics.formulas.registry import METRICS
from portal.formats import currency

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def test_docs_metrics_md_is_generated_from_the_registry():
    assert DOC.read_text(encoding="utf-8") == metrics_reference_markdown(currency())


def test_every_metric_is_in_the_reference_with_its_definition():
    text = metrics_reference_markdown(currency())
    for spec in METRICS.values():
        assert f"`{spec.key}`" in text
        assert spec.formula.replace("|", "\\|") in text
    # The document holds for any installation: money is "the installation currency", never one code.
    assert f"| {currency()} |" not in text and "money (installation currency)" in text


def test_the_command_prints_it():
    out = io.StringIO()
    call_command("metrics_reference", stdout=out)
    assert out.getvalue() == metrics_reference_markdown(currency())
