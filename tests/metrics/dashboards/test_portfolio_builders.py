"""Figure builders of the portfolio dashboard are pure: plain data in, charts out (no database)."""

import json

import plotly.graph_objects as go
import pytest

from lifecycle.choices import Phase
from metrics.charts import Chart, Table
from metrics.dashboards.common import DashboardChart, money, specs_for
from metrics.dashboards.portfolio.charts import health_chart, portfolio_charts, status_chart
from metrics.dashboards.portfolio.data import PortfolioDashboardData
from metrics.dashboards.portfolio.kpis import portfolio_kpis
from metrics.portfolio_inputs import selectors


def _empty(**changes) -> PortfolioDashboardData:
    data = PortfolioDashboardData(
        list_query={"business_unit": "3"},
        period=("", ""),
        computed_at=None,
        status={"green": 0, "yellow": 0, "red": 0, "not_assessed": 0},
        phases=dict.fromkeys(Phase.values, 0),
        health=[],
        gates=selectors.GateThroughput(counts={}, median_days={}, p85_days={}),
        cost=selectors.CostTotals(0, 0.0, 0.0, 0.0, 0.0, 0.0),
        cost_series={},
        people=[],
        people_total=0,
        roadmap=[],
        roadmap_total=0,
        benefits=[],
        benefit_totals=selectors.BenefitTotals(0.0, 0.0),
        mobilize=selectors.MobilizeStats(0, None, None, []),
        roi=[],
        roi_total=0,
        balance=[],
        balance_total=0,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def test_without_data_every_chart_is_empty_and_says_what_is_missing():
    charts = portfolio_charts(_empty())
    assert len(charts) == 12
    for chart in charts:
        assert chart.is_empty, chart.id
        assert chart.empty_message and chart.empty_url.startswith("/projects/?business_unit=3"), chart.id
    kpis = {kpi.id: kpi.value for kpi in portfolio_kpis(_empty())}
    assert kpis["cpi"] == "n/a" and kpis["projects"] == "0"


def test_status_chart_drills_down_to_the_filtered_project_list():
    chart = status_chart(_empty(status={"green": 3, "yellow": 1, "red": 2, "not_assessed": 0}))
    bar = chart.figure.data[0]
    assert list(bar.y) == [3, 1, 2, 0]
    assert list(bar.customdata) == [
        "/projects/?business_unit=3&overall_rag=green",
        "/projects/?business_unit=3&overall_rag=yellow",
        "/projects/?business_unit=3&overall_rag=red",
        "/projects/?business_unit=3&overall_rag=not_assessed",
    ]
    assert chart.table.rows == [("green", 3), ("yellow", 1), ("red", 2), ("not assessed", 0)]


def test_health_chart_caps_rows_and_links_to_the_rest():
    rows = [
        selectors.HealthRow(pk, f"P-{pk}", "x", "red", {"schedule_health": "yellow"})
        for pk in range(1, selectors.CHART_ROW_LIMIT + 1)
    ]
    chart = health_chart(_empty(health=rows, status={"green": 0, "yellow": 0, "red": 100, "not_assessed": 0}))
    heatmap = chart.figure.data[0]
    assert len(heatmap.y) == selectors.CHART_ROW_LIMIT
    assert heatmap.y[-1] == "P-1"  # the worst row on top
    assert list(heatmap.z[-1][:2]) == [2, 1]
    assert chart.more_url == "/projects/?business_unit=3"
    assert chart.note == "Showing 40 of 100 projects (worst first)."


def test_dashboard_chart_json_is_the_chart_json():
    def figure():
        return go.Figure(go.Bar(x=["a"], y=[1], customdata=["/projects/1/"]), layout={"xaxis": {"type": "category"}})

    table = Table(columns=("a",), rows=[(1,)])
    plain = json.loads(Chart(id="c", title="t", figure=figure(), table=table, height=200).figure_json())
    fast = json.loads(DashboardChart(id="c", title="t", figure=figure(), table=table, height=200).figure_json())
    assert fast == plain


def test_specs_cover_dashboard_only_figures():
    assert [spec.key for spec in specs_for(("gate_throughput", "cpi", "unknown"))] == ["gate_throughput", "cpi"]


@pytest.mark.parametrize(
    ("value", "text"), [(None, "n/a"), (950, "950 EUR"), (12_000, "12.0k EUR"), (3_400_000, "3.4M EUR")]
)
def test_money(value, text):
    assert money(value) == text
