"""The registry describes every metric once, and every metric function is described."""

import inspect

import pytest

from metrics.formulas.registry import FORMULA_MODULES, METRICS, SUPPORT_FUNCTIONS, metric_spec, metrics_for_scope


def public_functions():
    for module in FORMULA_MODULES:
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == module.__name__:
                yield obj


def test_every_metric_function_has_a_registry_entry():
    registered = {spec.function for spec in METRICS.values()}
    missing = [f.__qualname__ for f in public_functions() if f not in registered and f not in SUPPORT_FUNCTIONS]
    assert missing == []


def test_every_registry_entry_names_a_formula_function_with_a_docstring():
    functions = set(public_functions())
    for spec in METRICS.values():
        assert spec.function in functions, spec.key
        assert spec.function not in SUPPORT_FUNCTIONS, spec.key
        assert (spec.function.__doc__ or "").strip(), spec.key


def test_support_functions_are_real_formula_functions():
    assert set(public_functions()) >= SUPPORT_FUNCTIONS


def test_every_entry_is_complete():
    for key, spec in METRICS.items():
        assert spec.key == key
        assert spec.label and spec.unit and spec.formula, key
        assert spec.inputs and all(spec.inputs), key
        assert spec.scope in {"portfolio", "scrum", "product"}, key


def test_thresholds_come_from_the_default_bands():
    assert metric_spec("spi").thresholds == "green >= 0.95, yellow 0.9 to 0.95, red < 0.9"
    assert metric_spec("cpi").thresholds == metric_spec("spi").thresholds
    assert metric_spec("say_do").thresholds == "poor < 60%, fair 60% to 75%, good 75% to 90%, excellent >= 90%"
    assert metric_spec("clv_cac").thresholds == "target >= 3"


def test_metrics_of_the_specification_are_all_present():
    expected = {
        "status_count", "overall_rag", "schedule_health", "cost_health", "risk_health", "issue_health",
        "planned_value", "earned_value", "cost_variance", "schedule_variance", "eac_typical", "eac_atypical",
        "etc", "vac", "tcpi", "cost_planned", "cost_actual", "utilization_planned", "utilization_actual",
        "utilization_forecast", "projects_by_phase", "benefit_realization", "time_to_mobilize_summary",
        "expected_roi", "realized_roi", "payback_months",
        "commitment", "completed", "velocity", "say_do", "scope_change", "velocity_consistency",
        "process_refinement", "escaped_defects", "escape_rate", "logged_defects", "burndown", "burnup",
        "motivation", "delivery_forecast",
        "dau", "wau", "mau", "stickiness", "feature_usage", "user_churn", "conversion_rate", "repurchase_rate",
        "cac", "clv", "clv_cac", "nps", "csat",
    }  # fmt: skip
    assert expected <= set(METRICS)


def test_scopes_partition_the_registry():
    scopes = [metrics_for_scope(scope) for scope in ("portfolio", "scrum", "product")]
    assert sum(len(specs) for specs in scopes) == len(METRICS)
    assert metrics_for_scope("product")[0].key == "dau"


def test_unknown_key_raises():
    with pytest.raises(KeyError):
        metric_spec("no_such_metric")


def test_the_definitions_the_portfolio_oracle_restates_are_written_in_the_registry():
    """tests/metrics/oracle/portfolio_oracle.py restates these choices; the registry is where they are stated."""
    from metrics.formulas.registry import metric_spec

    for key in ("schedule_health", "cost_health", "risk_health", "issue_health"):
        assert "not assessed while nothing stands behind" in metric_spec(key).formula
    assert "open or closed" in metric_spec("overall_rag").formula
    assert "working days (Monday to Friday) after today / 5" in metric_spec("utilization_forecast").formula
    assert "highest of the three" in metric_spec("resource_utilization").formula
    assert "on hold, closed or cancelled: it counts as completed" in metric_spec("phase_duration").formula
