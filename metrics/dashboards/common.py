"""Pieces shared by the portfolio and project dashboards: the chart subclass with a "show all" link, the "how is
this computed" texts (read from the metric registry), KPI cards, number formatting and drill-down URLs."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import plotly.io as pio
from django.urls import reverse

from metrics.charts import BASE_LAYOUT, Chart, Table
from metrics.formulas.registry import METRICS, MetricSpec
from portal.formats import money_text


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], units: Mapping[str, str] | None = None) -> Table:
    """A chart's CSV table from any rows (tuples, lists); ``units`` for columns ``COLUMN_UNITS`` does not name."""
    listed: list[Sequence[Any]] = list(rows)
    return Table(columns=columns, rows=listed, units=dict(units or {}))


def specs_for(keys: tuple[str, ...]) -> list[MetricSpec]:
    """The registry's description of each key (the only place a number's meaning is written); unknown keys are
    left out."""
    return [METRICS[key] for key in keys if key in METRICS]


@dataclass
class DashboardChart(Chart):
    """A chart that may show only part of its data (the worst rows), linking to the rest."""

    more_url: str = ""
    more_label: str = ""

    @property
    def specs(self) -> list[MetricSpec]:
        return specs_for(self.metric_keys)

    def figure_json(self) -> str:
        """As ``Chart.figure_json`` (the shared look wins over the figure's own top-level layout keys), merged as
        plain dicts: ``update_layout`` on a built figure re-validates it and costs more than the whole page's
        queries."""
        assert self.figure is not None
        figure = self.figure.to_plotly_json()
        figure["layout"] = {**figure.get("layout", {}), **BASE_LAYOUT, "height": self.height}
        return pio.to_json(figure, validate=False, remove_uids=True)


@dataclass
class Kpi:
    id: str
    label: str
    value: str
    metric_keys: tuple[str, ...] = ()
    computed_at: datetime.datetime | None = None
    hint: str = ""
    tone: str = ""  # Bootstrap colour name for the value, e.g. "danger"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def specs(self) -> list[MetricSpec]:
        return specs_for(self.metric_keys)


def money(value: float | None) -> str:
    """An amount with the installation currency ("1.2M EUR"), ``portal.formats.money_text``."""
    return money_text(value)


def ratio_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def days_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} d"


def index_tone(value: float | None) -> str:
    """SPI / CPI colour with the registry's default bands."""
    if value is None:
        return "secondary"
    return "success" if value >= 0.95 else "warning" if value >= 0.90 else "danger"


def project_url(pk: int) -> str:
    return reverse("dashboard-project", args=[pk])


def project_list_url(base: Mapping[str, str], **extra: str) -> str:
    query = {**base, **{key: value for key, value in extra.items() if value}}
    url = reverse("project-list")
    return f"{url}?{urlencode(query)}" if query else url
