"""Product dashboard: snapshots of one or more products -> headline numbers and trend charts.

``product_snapshots`` reads every snapshot of the given products in one query; the builders below are pure
functions from those rows to ``Chart`` / ``Headline`` objects (no database, no recomputation). Each chart's
empty state names the data it lacks and links to where it is entered (``EntryLinks``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.urls import NoReverseMatch, reverse

from metrics.charts import Chart, Table
from metrics.formulas.bands import CLV_CAC_TARGET
from metrics.formulas.calendar import month_end
from metrics.formulas.product import MIN_CONVERSION_COHORT
from metrics.product.selectors import TOO_FEW_USERS, Snapshots, computed_at
from portal.formats import COUNT, MONEY, PERCENT, RATIO, SCORE, money_hover, with_unit

GRAINS = ("daily", "weekly", "monthly")
COLOURS = {"dau": "#0d6efd", "wau": "#6f42c1", "mau": "#20c997", "partial": "#adb5bd", "bar": "#0d6efd"}


def _url(name: str, **kwargs: Any) -> str:
    """The page's URL, or "" while it does not exist (another area may not have shipped it)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def import_page_url(kind: str, product_id: int) -> str:
    """The generic CSV import page of ``kind`` for a product ("" until that page exists)."""
    return _url("import-csv", kind=kind, scope_pk=product_id)


@dataclass(frozen=True)
class EntryLinks:
    """Where each kind of product data is entered: the form, else the CSV import."""

    events: str
    events_import: str
    customers: str
    customers_import: str
    orders: str
    orders_import: str
    spend: str
    surveys: str
    funnel: str = ""

    @classmethod
    def for_product(cls, product_id: int) -> EntryLinks:
        def imported(kind: str) -> str:
            return import_page_url(kind, product_id)

        return cls(
            events=_url("product-event-add", pk=product_id),
            events_import=imported("product-events"),
            customers=_url("product-customer-add", pk=product_id),
            customers_import=imported("customers"),
            orders=_url("product-order-add", pk=product_id),
            orders_import=imported("orders"),
            spend=_url("product-spend-add", pk=product_id),
            surveys=_url("product-survey-add", pk=product_id),
            funnel=_url("product-funnel", pk=product_id),
        )


# --- headline numbers --------------------------------------------------------------------------------------------


# --- charts ------------------------------------------------------------------------------------------------------


def _empty(chart_id: str, title: str, keys: tuple[str, ...], message: str, url: str, label: str,
           snapshots: Snapshots, columns: tuple[str, ...] = ("period", "value")) -> Chart:  # fmt: skip
    if not snapshots:
        message = "Not computed yet: product metrics are computed in the background after each change. " + message
    return Chart(chart_id, title, None, Table(columns), keys, computed_at(snapshots), message, url, label)


PARTIAL_NOTE = "Grey: partial period (still in progress), never used for a headline."


def partial_flags(periods: Sequence[str], grain: str, partial_from: str | None) -> list[bool]:
    """Which points of a daily / weekly / monthly series cover a period not over yet (it reaches
    ``partial_from``, the first incomplete day)."""
    if not partial_from:
        return [False] * len(periods)
    first = datetime.date.fromisoformat(partial_from)
    ends = {
        "daily": lambda day: day,
        "weekly": lambda day: day + datetime.timedelta(days=6),
        "monthly": month_end,
    }[grain]
    return [ends(datetime.date.fromisoformat(period[:10])) >= first for period in periods]


def _split_traces(figure: go.Figure, x: list[str], y: list[Any], partial: list[bool], name: str, colour: str,
                  percent: bool = False) -> None:  # fmt: skip
    """A solid line over complete periods, continued in the partial colour (dashed) over partial ones."""
    solid = [None if flag else value for value, flag in zip(y, partial, strict=True)]
    figure.add_trace(go.Scatter(x=x, y=solid, name=name, mode="lines", line={"color": colour}, legendgroup=name))
    if any(partial):
        start = max(partial.index(True) - 1, 0)
        grey = [value if index >= start else None for index, value in enumerate(y)]
        figure.add_trace(
            go.Scatter(x=x, y=grey, name=f"{name} (partial)", mode="lines+markers", legendgroup=name,
                       showlegend=False, line={"color": COLOURS["partial"], "dash": "dot"},
                       hovertemplate=("%{y:.0%}" if percent else "%{y}") + " (partial)")
        )  # fmt: skip


def active_users_chart(snapshots: Snapshots, links: EntryLinks, grain: str = "daily", prefix: str = "") -> Chart:
    chart_id, title, keys = f"{prefix}active-users", "Active users (DAU / WAU / MAU)", ("dau", "wau", "mau")
    series = {key: snapshots[key].detail.get(grain, []) for key in keys if key in snapshots}
    has_events = bool(snapshots.get("dau") and snapshots["dau"].detail.get("has_events"))
    if not has_events or not series.get("dau"):
        return _events_missing(chart_id, title, keys, links, snapshots)
    days = [day for day, _ in series["dau"]]
    partial = partial_flags(days, grain, snapshots["dau"].detail.get("partial_from"))
    by_key = {key: dict(map(tuple, points)) for key, points in series.items()}
    figure = go.Figure()
    for key in keys:
        values = [by_key.get(key, {}).get(day) for day in days]
        _split_traces(figure, days, values, partial, key.upper(), COLOURS[key])
    figure.update_layout(yaxis={"title": "users", "rangemode": "tozero"})
    rows: list[Sequence[Any]] = [
        [day, *(by_key.get(key, {}).get(day) for key in keys), flag] for day, flag in zip(days, partial, strict=True)
    ]
    note = {"daily": "", "weekly": "Weekly: DAU is the mean of the days; WAU and MAU the week's last day.",
            "monthly": "Monthly: DAU is the mean of the days; WAU and MAU the month's last day."}[grain]  # fmt: skip
    if any(partial):
        note = " ".join(filter(None, [note, PARTIAL_NOTE]))
    units = dict.fromkeys(("dau", "wau", "mau"), USERS)
    return Chart(chart_id, title, figure, Table(("period", "dau", "wau", "mau", "partial"), rows, units), keys,
                 computed_at(snapshots), note=note)  # fmt: skip


def stickiness_chart(snapshots: Snapshots, links: EntryLinks, grain: str = "daily") -> Chart:
    chart_id, title, keys = "stickiness", "Stickiness (DAU / MAU)", ("stickiness",)
    snapshot = snapshots.get("stickiness")
    points = [p for p in (snapshot.detail.get(grain, []) if snapshot else []) if p[1] is not None]
    if not points or not snapshot or not snapshot.detail.get("has_events"):
        return _events_missing(chart_id, title, keys, links, snapshots)
    days = [p[0] for p in points]
    partial = partial_flags(days, grain, snapshot.detail.get("partial_from"))
    figure = go.Figure()
    _split_traces(figure, days, [p[1] for p in points], partial, "stickiness", COLOURS["bar"], percent=True)
    figure.update_layout(yaxis={"tickformat": ".0%", "rangemode": "tozero"}, showlegend=False)
    rows: list[Sequence[Any]] = [[day, value, flag] for (day, value), flag in zip(points, partial, strict=True)]
    table = Table(("period", "stickiness", "partial"), rows, {"stickiness": PERCENT})
    return Chart(chart_id, title, figure, table, keys,
                 computed_at(snapshots), note=PARTIAL_NOTE if any(partial) else "")  # fmt: skip


def _events_missing(chart_id: str, title: str, keys: tuple[str, ...], links: EntryLinks, snapshots: Snapshots) -> Chart:
    return _empty(chart_id, title, keys, "No usage events yet: import them as CSV (user, name, time, properties).",
                  links.events_import or links.events, "Import events" if links.events_import else "Add events",
                  snapshots)  # fmt: skip


def _core_events_missing(snapshots: Snapshots, links: EntryLinks) -> Chart | None:
    """The feature chart's empty state when no core event is configured, or none of them occurred yet."""
    snapshot = snapshots.get("feature_usage")
    if snapshot is None:
        return None
    core = snapshot.detail.get("core_events")
    if not isinstance(core, list):  # computed before core events existed
        return None
    if not core:
        message = ("No core events configured: feature usage counts the product's core events (the event names "
                   "that are its features), not every event. Choose them with the funnel settings.")  # fmt: skip
    else:
        message = "None of the core events (" + ", ".join(core) + ") occurred in the last 12 months."
    return _empty("feature-usage", "Feature usage per month", ("feature_usage",), message, links.funnel,
                  "Choose core events", snapshots)  # fmt: skip


def feature_usage_chart(snapshots: Snapshots, links: EntryLinks) -> Chart:
    chart_id, title, keys = "feature-usage", "Feature usage per month", ("feature_usage",)
    snapshot = snapshots.get("feature_usage")
    features = snapshot.detail.get("features", []) if snapshot else []
    if not features:
        has_events = bool(snapshots.get("dau") and snapshots["dau"].detail.get("has_events"))
        missing = _core_events_missing(snapshots, links) if has_events else None
        return missing or _events_missing(chart_id, title, keys, links, snapshots)
    figure = go.Figure()
    rows: list[Sequence[Any]] = []
    for feature in features:
        points = feature["points"]
        # Each feature keeps its own colour; a month in progress is drawn as an open marker.
        symbols = ["circle-open" if p.get("partial") else "circle" for p in points]
        figure.add_trace(
            go.Scatter(
                x=[p["month"] for p in points], y=[p["usage"] for p in points], name=feature["name"],
                mode="lines+markers", customdata=[[p["depth"]] for p in points],
                marker={"symbol": symbols},
                hovertemplate="%{y:.0%} of active users; %{customdata[0]:.1f} events per adopter",
            )
        )  # fmt: skip
        rows += [[p["month"], feature["name"], p["usage"], p["depth"], p["adopters"], p["eligible"], p["events"],
                  bool(p.get("partial"))] for p in points]  # fmt: skip
    figure.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1.05]})
    columns = ("month", "feature", "usage", "depth", "adopters", "eligible", "events", "partial")
    core = ", ".join(snapshot.detail.get("core_events") or []) if snapshot else ""
    units = {"usage": PERCENT, "depth": "events per adopter", "adopters": USERS, "eligible": USERS, "events": COUNT}
    return Chart(chart_id, title, figure, Table(columns, rows, units), keys, computed_at(snapshots),
                 note=f"Features are the product's core events ({core}); usage = adopters / active users of the "
                      f"month. {PARTIAL_NOTE}")  # fmt: skip


@dataclass(frozen=True)
class MonthlySpec:
    chart_id: str
    title: str
    key: str
    kind: str  # bar / line
    axis: dict[str, Any]
    extra_columns: tuple[str, ...]
    missing: str
    link: Callable[[EntryLinks], tuple[str, str]]
    note: str = ""


RATE_AXIS = {"tickformat": ".0%", "range": [0, 1.05]}
USERS = "users"
#: Units of the monthly charts' CSV columns (the metric's own column and its extra columns).
MONTHLY_UNITS = {
    "user_churn": PERCENT, "churned": USERS, "previous_active": USERS,
    "conversion_rate": PERCENT, "entered": USERS, "converted": USERS,
    "repurchase_rate": PERCENT, "customers": COUNT, "orders": COUNT,
    "cac": MONEY, "spend": MONEY, "new_customers": COUNT,
    "clv": MONEY, "arpu": MONEY, "gross_margin": PERCENT, "churn": PERCENT, "paying_customers": COUNT,
    "previous_customers": COUNT, "churned_customers": COUNT,
    "clv_cac": RATIO, "target": RATIO,
    "nps": SCORE, "csat": SCORE, "responses": COUNT,
}  # fmt: skip


def _events_link(links: EntryLinks) -> tuple[str, str]:
    return (links.events_import, "Import events") if links.events_import else (links.events, "Add events")


def _orders_link(links: EntryLinks) -> tuple[str, str]:
    return links.orders or links.orders_import, "Add orders"


def _spend_link(links: EntryLinks) -> tuple[str, str]:
    return links.spend, "Record marketing spend"


def _surveys_link(links: EntryLinks) -> tuple[str, str]:
    return links.surveys, "Record a survey response"


def _funnel_link(links: EntryLinks) -> tuple[str, str]:
    return links.funnel, "Configure the funnel"


MONTHLY_CHARTS = (
    MonthlySpec("user-churn", "User churn per month", "user_churn", "bar", {"tickformat": ".1%", "rangemode": "tozero"},
                ("churned", "previous_active"), "No usage events yet: churn needs two months of events.",
                _events_link),
    MonthlySpec("conversion", "Customer conversion rate", "conversion_rate", "line", RATE_AXIS,
                ("entered", "converted", "too_few", "window_open"),
                "No user entered the funnel yet: conversion needs events of its first step.", _events_link),
    MonthlySpec("repurchase", "Repurchase rate", "repurchase_rate", "bar", RATE_AXIS,
                ("customers", "orders"), "No orders yet.", _orders_link),
    MonthlySpec("cac", "Customer acquisition cost (CAC)", "cac", "bar", {"title": "per new customer"},
                ("spend", "new_customers"), "No marketing spend yet.",
                _spend_link),
    MonthlySpec("clv", "Customer lifetime value (CLV)", "clv", "bar", {"title": "per paying customer"},
                ("basis", "arpu", "gross_margin", "churn", "paying_customers", "previous_customers",
                 "churned_customers"), "No orders yet.",
                _orders_link,
                "One population, paying customers: revenue per customer who ordered in the month x gross margin / "
                "churn of paying customers (ordered last month, not this month). Grey bars: partial month, or churn "
                "was zero or unknown, so CLV is undefined and the historical value (gross profit so far per paying "
                "customer) is shown."),
    MonthlySpec("clv-cac", "CLV : CAC", "clv_cac", "line", {"title": "ratio", "rangemode": "tozero"},
                ("target",), "CLV : CAC needs orders and marketing spend.",
                _spend_link, f"Target: {CLV_CAC_TARGET:g} or more (dashed line)."),
    MonthlySpec("nps", "Net promoter score (NPS)", "nps", "line", {"range": [-100, 100]}, ("responses",),
                "No NPS answers yet.", _surveys_link),
    MonthlySpec("csat", "Customer satisfaction (CSAT)", "csat", "line", {"range": [0, 100], "ticksuffix": "%"},
                ("responses",), "No CSAT answers yet.", _surveys_link),
)  # fmt: skip


def _conversion_setup(snapshots: Snapshots, links: EntryLinks) -> tuple[Chart | None, str]:
    """The conversion chart's empty state when no funnel is configured, else "" and the note naming the funnel."""
    snapshot = snapshots.get("conversion_rate")
    steps = snapshot.detail.get("steps") if snapshot else None
    if snapshot is None or steps is None:
        return None, ""
    if not steps:
        message = ("No funnel configured: name its steps (event names, entry first, conversion last) and the window "
                   "in days a user has to get through them.")  # fmt: skip
        return _empty("conversion", "Customer conversion rate", ("conversion_rate",), message, links.funnel,
                      "Configure the funnel", snapshots), ""  # fmt: skip
    minimum = snapshot.detail.get("min_cohort", MIN_CONVERSION_COHORT)
    note = (f"Funnel: {' → '.join(steps)}, within {snapshot.detail.get('window_days')} days of entering. Cohort: "
            f"users entering the first step in the month; fewer than {minimum}: {TOO_FEW_USERS}. A cohort is "
            "partial until its month is over and its window has closed.")  # fmt: skip
    return None, note


def _monthly_figure(spec: MonthlySpec, points: list[dict[str, Any]]) -> go.Figure:
    months = [p["month"][:7] for p in points]  # "2026-03": the axis names months, not their first day
    values = [p.get("value") for p in points]
    colours = [
        COLOURS["partial"] if p.get("partial") or p.get("basis") == "historical" else COLOURS["bar"] for p in points
    ]
    if spec.kind == "bar":
        trace: Any = go.Bar(x=months, y=values, marker={"color": colours}, name=spec.title)
    else:
        trace = go.Scatter(x=months, y=values, mode="lines+markers", name=spec.title, connectgaps=False,
                           marker={"color": colours}, line={"color": COLOURS["bar"]})  # fmt: skip
    figure = go.Figure(trace)
    too_few = [p for p in points if p.get("too_few")]
    if too_few:
        figure.add_trace(
            go.Scatter(x=[p["month"][:7] for p in too_few], y=[0] * len(too_few), mode="markers+text",
                       text=[TOO_FEW_USERS] * len(too_few), textposition="top center", name=TOO_FEW_USERS,
                       marker={"color": COLOURS["partial"], "symbol": "x"},
                       customdata=[p.get("entered") for p in too_few],
                       hovertemplate=f"{TOO_FEW_USERS}: %{{customdata}} entered")
        )  # fmt: skip
    if spec.key == "clv_cac":
        figure.add_hline(y=CLV_CAC_TARGET, line_dash="dash", line_color="#198754")
    axis = dict(spec.axis)
    if MONTHLY_UNITS.get(spec.key) == MONEY:  # amounts: the axis and the hover name the currency
        axis["title"] = with_unit(axis.get("title", spec.title), MONEY)
        figure.update_traces(hovertemplate=f"%{{x}}: {money_hover()}<extra></extra>", selector={"name": spec.title})
    figure.update_layout(yaxis=axis, xaxis={"type": "category"}, showlegend=False)
    return figure


def monthly_chart(spec: MonthlySpec, snapshots: Snapshots, links: EntryLinks) -> Chart:
    snapshot = snapshots.get(spec.key)
    points = snapshot.detail.get("monthly", []) if snapshot else []
    keys = (spec.key,)
    spec_note = spec.note
    if spec.key == "conversion_rate":
        unset, spec_note = _conversion_setup(snapshots, links)
        if unset is not None:
            return unset
    if not any(p.get("value") is not None or p.get("too_few") for p in points):
        url, label = spec.link(links)
        return _empty(spec.chart_id, spec.title, keys, spec.missing, url, label, snapshots)
    rows: list[Sequence[Any]] = [
        [p["month"], p.get("value"), *(p.get(c) for c in spec.extra_columns), p.get("partial")] for p in points
    ]
    table = Table(("month", spec.key, *spec.extra_columns, "partial"), rows, MONTHLY_UNITS)
    rule = "Headline: the latest complete month with a value; grey: partial month."
    note = " ".join(filter(None, [spec_note, rule]))
    return Chart(spec.chart_id, spec.title, _monthly_figure(spec, points), table, keys, computed_at(snapshots),
                 note=note)  # fmt: skip


def product_charts(snapshots: Snapshots, links: EntryLinks, grain: str = "daily") -> list[Chart]:
    grain = grain if grain in GRAINS else "daily"
    charts = [
        active_users_chart(snapshots, links, grain),
        stickiness_chart(snapshots, links, grain),
        feature_usage_chart(snapshots, links),
    ]
    charts += [monthly_chart(spec, snapshots, links) for spec in MONTHLY_CHARTS]
    return charts


def dau_trend_chart(product_id: int, snapshots: Snapshots, links: EntryLinks) -> Chart:
    """The project dashboard's small DAU chart of one product (ids unique per product on the page)."""
    chart = active_users_chart(snapshots, links, "daily", prefix=f"product-{product_id}-")
    chart.height = 220
    return chart
