"""Reads of the product inputs for pages and dashboards."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from lifecycle.selectors import projects_visible_to
from metrics.formulas.bands import CLV_CAC_TARGET
from metrics.product.models import Product
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from portal import formats

Snapshots = dict[str, MetricSnapshot]


def product_snapshots(product_ids: Iterable[int]) -> dict[int, Snapshots]:
    """Every snapshot of each product, by metric key. 1 query."""
    found: dict[int, Snapshots] = {pk: {} for pk in product_ids}
    rows = MetricSnapshot.objects.filter(scope_type=ScopeType.PRODUCT, scope_id__in=list(found), period="")
    for row in rows:
        found[int(row.scope_id)][row.metric] = row
    return found


@dataclass(frozen=True)
class Headline:
    """A headline number and the complete period it describes ("DAU · 2026-12-02", "User churn · 2026-11")."""

    key: str
    label: str
    text: str
    period: str = ""
    tone: str = ""
    rule: str = ""  # which period a headline takes: "last complete day", "latest complete month with a value"

    @property
    def caption(self) -> str:
        return f"{self.label} · {self.period}" if self.period else self.label


TOO_FEW_USERS = "too few users"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _number(value: float | None, places: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{places}f}"


def day_label(day: datetime.date) -> str:
    return formats.date_text(day)


def month_label(month: datetime.date) -> str:
    return formats.month_text(month)


HEADLINES: tuple[tuple[str, str, Callable[[float | None], str]], ...] = (
    ("dau", "DAU", _number),
    ("mau", "MAU", _number),
    ("stickiness", "Stickiness", _percent),
    ("user_churn", "User churn", _percent),
    ("conversion_rate", "Conversion", _percent),
    ("nps", "NPS", _number),
    ("csat", "CSAT", lambda v: _number(v, 0) + ("%" if v is not None else "")),
    ("cac", "CAC", lambda v: _number(v, 2)),
    ("clv", "CLV", lambda v: _number(v, 2)),
    ("clv_cac", "CLV : CAC", lambda v: _number(v, 1)),
)


def headline_period(detail: dict[str, Any]) -> str:
    """The complete period a headline describes: its day (daily metrics) or month (monthly metrics), else ""."""
    if detail.get("headline_day"):
        return day_label(datetime.date.fromisoformat(detail["headline_day"]))
    if detail.get("headline_month"):
        return month_label(datetime.date.fromisoformat(detail["headline_month"]))
    return ""


def _headline(key: str, label: str, fmt: Callable[[float | None], str], snapshot: MetricSnapshot | None) -> Headline:
    value = snapshot.value if snapshot else None
    detail: dict[str, Any] = snapshot.detail if snapshot else {}
    too_few = bool(detail.get("headline_too_few"))
    period = headline_period(detail) if value is not None or too_few else ""
    tone = ""
    if key == "clv_cac" and value is not None:
        tone = "success" if value >= CLV_CAC_TARGET else "danger"
    if key == "clv" and detail.get("monthly"):
        basis = next((p.get("basis") for p in detail["monthly"] if p["month"] == detail.get("headline_month")), "")
        if basis == "historical":
            label = "CLV (historical)"
    text = TOO_FEW_USERS if too_few else fmt(value)
    return Headline(key, label, text, period, tone, str(detail.get("headline_rule", "")))


def headlines(snapshots: Snapshots) -> list[Headline]:
    """The product's headline numbers, each of a complete period (partial periods appear only in the series)."""
    return [_headline(key, label, fmt, snapshots.get(key)) for key, label, fmt in HEADLINES]


def computed_at(snapshots: Snapshots) -> datetime.datetime | None:
    return max((s.computed_at for s in snapshots.values()), default=None)


def visible_products(user: Any) -> QuerySet[Product]:
    return Product.objects.filter(project__in=projects_visible_to(user).values("pk"))


def visible_product(user: Any, pk: int) -> Product:
    """The product if the user may see its project; 404 otherwise."""
    return get_object_or_404(visible_products(user).select_related("project__portfolio"), pk=pk)
