"""The product dashboard, and the product section of a project's dashboard: snapshots only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.dashboards.product import EntryLinks, dau_trend_chart, product_charts
from metrics.product.selectors import headlines, product_snapshots, visible_product
from portfolio.access import can_write_product_data


def _csv_or_none(request: HttpRequest, charts: list) -> HttpResponse | None:
    chart_id = request.GET.get("csv")
    if not chart_id:
        return None
    chart = find_chart(charts, chart_id)
    if chart is None:
        raise Http404("No such chart.")
    return chart_csv_response(chart)


def _hide_entry_links(charts: list) -> None:
    """Read-only roles see what is missing, not a link to a form they may not use."""
    for chart in charts:
        if chart.empty_url:
            chart.empty_url = ""
            chart.empty_message += " A manager or product manager of the portfolio can enter it."


@login_required
@require_GET
def product_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    product = visible_product(request.user, pk)
    snapshots = product_snapshots([product.pk])[product.pk]
    grain = request.GET.get("grain", "daily")
    links = EntryLinks.for_product(product.pk)
    charts = product_charts(snapshots, links, grain)
    response = _csv_or_none(request, charts)
    if response is not None:
        return response
    can_write = can_write_product_data(request.user, product.project)
    if not can_write:
        _hide_entry_links(charts)
    context = {
        "product": product,
        "project": product.project,
        "charts": charts,
        "headlines": headlines(snapshots),
        "computed": bool(snapshots),
        "computed_at": max((s.computed_at for s in snapshots.values()), default=None),
        "grain": grain if grain in ("daily", "weekly", "monthly") else "daily",
        "grains": ("daily", "weekly", "monthly"),
        "links": links,
        "can_write": can_write,
    }
    return render(request, "metrics/product/dashboard.html", context)


@login_required
@require_GET
def project_product_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The product section of the project dashboard: each product's headline numbers and DAU trend (HTML)."""
    project = visible_project(request.user, pk)
    products = list(project.products.order_by("name"))
    snapshots = product_snapshots(p.pk for p in products)
    sections = []
    for product in products:
        chart = dau_trend_chart(product.pk, snapshots[product.pk], EntryLinks.for_product(product.pk))
        sections.append({"product": product, "headlines": headlines(snapshots[product.pk]), "chart": chart})
    response = _csv_or_none(request, [section["chart"] for section in sections])
    if response is not None:
        return response
    if not can_write_product_data(request.user, project):
        _hide_entry_links([section["chart"] for section in sections])
    fragment_url = reverse("project-product-fragment", args=[project.pk])
    for section in sections:  # the card sits in the project dashboard: its CSV comes from this fragment's URL
        section["chart"].csv_url = f"{fragment_url}?csv={section['chart'].id}"
    return render(request, "metrics/product/_fragment.html", {"project": project, "sections": sections})
