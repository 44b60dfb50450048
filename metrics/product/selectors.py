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
    key: str
    label: str
    text: str
    period: str = ""
    tone: str = ""


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _number(value: float | None, places: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{places}f}"


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


def headlines(snapshots: Snapshots) -> list[Headline]:
    rows = []
    for key, label, fmt in HEADLINES:
        snapshot = snapshots.get(key)
        value = snapshot.value if snapshot else None
        detail = snapshot.detail if snapshot else {}
        period = detail.get("headline_month") or (
            snapshot.period_end.isoformat() if snapshot and snapshot.period_end else ""
        )
        tone = ""
        if key == "clv_cac" and value is not None:
            tone = "success" if value >= CLV_CAC_TARGET else "danger"
        if key == "clv" and detail.get("monthly"):
            basis = next((p.get("basis") for p in detail["monthly"] if p["month"] == detail.get("headline_month")), "")
            if basis == "historical":
                label = "CLV (historical)"
        if value is None:
            period = ""
        elif detail.get("headline_month"):
            period = period[:7]
        rows.append(Headline(key, label, fmt(value), period, tone))
    return rows


def computed_at(snapshots: Snapshots) -> datetime.datetime | None:
    return max((s.computed_at for s in snapshots.values()), default=None)


def visible_products(user: Any) -> QuerySet[Product]:
    return Product.objects.filter(project__in=projects_visible_to(user).values("pk"))


def visible_product(user: Any, pk: int) -> Product:
    """The product if the user may see its project; 404 otherwise."""
    return get_object_or_404(visible_products(user).select_related("project__portfolio"), pk=pk)
