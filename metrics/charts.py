"""One way to put a chart on a page: a ``Chart`` carries the Plotly figure, the table behind it (the CSV
export), the registry keys of the metrics it shows (the "how is this computed" panel) and, when there is
nothing to draw, what is missing and where to enter it.

Views build charts from snapshots and call ``chart_csv_response`` when the request asks ``?csv=<chart id>``,
so every chart exports its own data with no extra URL. Drill-down: a point whose ``customdata`` is a URL
(or a list whose first item is one) opens it on click (``static/js/charts.js``).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.http import HttpResponse
from django.utils.text import slugify

from metrics.formulas.registry import METRICS, MetricSpec

# Same look for every chart: Bootstrap's font, no Plotly logo, compact margins.
BASE_LAYOUT: dict[str, Any] = {
    "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "legend": {"orientation": "h", "y": -0.2},
    "hovermode": "closest",
}
RAG_COLOURS = {"green": "#198754", "yellow": "#ffc107", "red": "#dc3545", "": "#adb5bd", None: "#adb5bd"}


@dataclass
class Table:
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    figure: go.Figure | None
    table: Table
    metric_keys: tuple[str, ...] = ()
    computed_at: datetime.datetime | None = None
    empty_message: str = ""
    empty_url: str = ""
    empty_label: str = ""
    height: int = 320
    note: str = ""
    # Where the CSV export is, for a card shown outside its own page (an htmx fragment inserted elsewhere);
    # empty: the current page with ?csv=<chart id>.
    csv_url: str = ""

    @property
    def is_empty(self) -> bool:
        return self.figure is None or not self.table.rows

    @property
    def specs(self) -> list[MetricSpec]:
        return [METRICS[key] for key in self.metric_keys if key in METRICS]

    def figure_json(self) -> str:
        """The figure as JSON for ``<script type="application/json">`` (numpy and dates handled by plotly)."""
        assert self.figure is not None
        self.figure.update_layout(BASE_LAYOUT, height=self.height)
        return pio.to_json(self.figure, validate=False, remove_uids=True)


def chart_csv_response(chart: Chart) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(chart.id) or "chart"}.csv"'
    writer = csv.writer(response)
    writer.writerow(chart.table.columns)
    for row in chart.table.rows:
        writer.writerow(["" if value is None else value for value in row])
    return response


def find_chart(charts: Iterable[Chart], chart_id: str) -> Chart | None:
    return next((chart for chart in charts if chart.id == chart_id), None)
