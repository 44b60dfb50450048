"""Figure builders of the product dashboard: pure functions of snapshot details (no database)."""

import datetime

from metrics.dashboards.product import EntryLinks, feature_usage_chart
from metrics.snapshots.models import MetricSnapshot

LINKS = EntryLinks(**{name: "" for name in EntryLinks.__dataclass_fields__})


def point(month: str, usage: float, partial: bool = False) -> dict:
    return {"month": month, "usage": usage, "depth": 2.0, "adopters": 3, "eligible": 6, "events": 6, "partial": partial}


def test_a_feature_with_a_month_in_progress_draws_it_as_an_open_marker():
    # Found on the demo: a per-point colour list with gaps for complete months made Plotly refuse the figure (500).
    detail = {
        "core_events": ["score"],
        "features": [{"name": "score", "points": [point("2026-10-01", 0.5), point("2026-11-01", 0.25, partial=True)]}],
    }
    snapshots = {
        "feature_usage": MetricSnapshot(
            metric="feature_usage", detail=detail, computed_at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC)
        )
    }

    chart = feature_usage_chart(snapshots, LINKS)

    trace = chart.figure.data[0]
    assert list(trace.marker.symbol) == ["circle", "circle-open"]
    assert [row[-1] for row in chart.table.rows] == [False, True]
