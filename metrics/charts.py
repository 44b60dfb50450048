"""One way to put a chart on a page: a ``Chart`` carries the Plotly figure, the table behind it (the CSV
export), the registry keys of the metrics it shows (the "how is this computed" panel) and, when there is
nothing to draw, what is missing and where to enter it.

Views build charts from snapshots and call ``chart_csv_response`` when the request asks ``?csv=<chart id>``,
so every chart exports its own data with no extra URL. Drill-down: a point whose ``customdata`` is a URL
(or a list whose first item is one) opens it on click (``static/js/charts.js``); the list it opens holds exactly the
items the mark counts. Units: CSV headers carry each column's unit and values are rounded for it; count axes are
integer (``integer_axis``).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.http import HttpResponse
from django.utils.text import slugify

from metrics.formulas.registry import METRICS, MetricSpec
from portal import formats

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


#: Units of the table columns named the same on every chart (a table's own ``units`` win): the CSV header says
#: "projects (count)", "planned_cumulative (EUR)". Label columns (project, month, phase...) have none.
COLUMN_UNITS: dict[str, str] = {
    "projects": formats.COUNT,
    "reviews": formats.COUNT,
    "completed_phases": formats.COUNT,
    "in_progress": formats.COUNT,
    "planned_cumulative": formats.MONEY,
    "actual_cumulative": formats.MONEY,
    "earned_value": formats.MONEY,
    "budget_at_completion": formats.MONEY,
    "expected_benefit": formats.MONEY,
    "planned_to_date": formats.MONEY,
    "realized_to_date": formats.MONEY,
    "realization": formats.PERCENT,
    "rate": formats.PERCENT,
    "expected_roi": formats.PERCENT,
    "realized_roi": formats.PERCENT,
    "capacity": formats.HOURS,
    "utilization_planned": formats.PERCENT,
    "utilization_actual": formats.PERCENT,
    "utilization_forecast": formats.PERCENT,
    "risk_exposure": formats.SCORE,
    "median_days": formats.DAYS,
    "p85_days": formats.DAYS,
    "in_progress_median_age_days": formats.DAYS,
    "in_progress_oldest_days": formats.DAYS,
    "slip_days": formats.DAYS,
    "days": formats.DAYS,
    "days_from": formats.DAYS,
    "days_to": formats.DAYS,
}


@dataclass
class Table:
    """The data behind a chart, exported as CSV: ``units`` maps a column to its unit (``portal.formats``), else
    ``COLUMN_UNITS`` gives it; the header writes "column (unit)" and the values are rounded for the unit."""

    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    units: Mapping[str, str] = field(default_factory=dict)

    def unit_of(self, column: str) -> str:
        return self.units.get(column, COLUMN_UNITS.get(column, ""))

    def headers(self) -> list[str]:
        return [formats.with_unit(column, self.unit_of(column)) for column in self.columns]

    def csv_rows(self) -> list[list[Any]]:
        units = [self.unit_of(column) for column in self.columns]
        return [[formats.csv_value(value, unit) for value, unit in zip(row, units, strict=False)] for row in self.rows]


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
    writer.writerow(chart.table.headers())
    writer.writerows(chart.table.csv_rows())
    return response


#: Up to this many, a count axis ticks every unit; above it Plotly's own steps (2, 5, 10...) are whole already.
INTEGER_AXIS_UNIT_TICKS_UP_TO = 10


def integer_axis(title: str = "", values: Iterable[float | None] = ()) -> dict[str, Any]:
    """A Plotly axis for counts: whole-number ticks only (never 2.5 projects), starting at zero."""
    largest = max((value for value in values if value is not None), default=0)
    axis: dict[str, Any] = {"tickformat": ",d", "rangemode": "tozero"}
    if largest <= INTEGER_AXIS_UNIT_TICKS_UP_TO:
        axis.update(tick0=0, dtick=1)
    if title:
        axis["title"] = {"text": title}
    return axis


def find_chart(charts: Iterable[Chart], chart_id: str) -> Chart | None:
    return next((chart for chart in charts if chart.id == chart_id), None)
