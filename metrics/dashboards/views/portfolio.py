"""Dashboard pages: portfolio health and one project. They read snapshots through the selectors and
build charts with ``metrics.dashboards``; nothing is computed on request. ``?csv=<chart id>`` downloads a
chart's data (``metrics.charts``)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.dashboards.filters import PortfolioDashboardFilterSet
from metrics.dashboards.portfolio.charts import portfolio_charts
from metrics.dashboards.portfolio.data import (
    PortfolioDashboardData,
    portfolio_dashboard_data,
    portfolio_dashboard_data_from_rollups,
)
from metrics.dashboards.portfolio.kpis import portfolio_kpis
from metrics.dashboards.project import project_charts, project_dashboard_data, project_kpis
from metrics.portfolio_inputs import selectors
from portfolio.access import can_edit_project, portfolios_visible_to

#: How long rendered portfolio figures are kept at most; a recomputation changes the key long before that.
DASHBOARD_CACHE_SECONDS = 15 * 60

#: htmx sections of the project dashboard built by the scrum and product areas (URL name -> section title).
PROJECT_FRAGMENTS = (
    ("delivery", "project-delivery-fragment", "Delivery (sprints)"),
    ("product", "project-product-fragment", "Product metrics"),
)


def _by_name(charts: list) -> dict:
    """Charts keyed for templates (``charts.gate_decisions`` for the chart id ``gate-decisions``)."""
    return {chart.id.replace("-", "_"): chart for chart in charts}


def _csv_or_none(request: HttpRequest, charts: list) -> HttpResponse | None:
    chart_id = request.GET.get("csv")
    if not chart_id:
        return None
    chart = find_chart(charts, chart_id)
    if chart is None:
        raise Http404("No such chart.")
    return chart_csv_response(chart)


def _from_rollups(request: HttpRequest, filterset: PortfolioDashboardFilterSet) -> PortfolioDashboardData | None:
    """Without filters below the portfolio, read each portfolio's stored rollup instead of every project's
    snapshots (constant time whatever the number of projects); None when some portfolio has none yet."""
    if filterset.is_bound:
        if not filterset.form.is_valid():
            return None
        cleaned = filterset.form.cleaned_data
        if any(value for name, value in cleaned.items() if name != "portfolio"):
            return None
        if cleaned.get("portfolio"):
            portfolio_ids = [cleaned["portfolio"].pk]
        else:
            portfolio_ids = list(portfolios_visible_to(request.user).values_list("pk", flat=True))
    else:
        portfolio_ids = list(portfolios_visible_to(request.user).values_list("pk", flat=True))
    rollups = selectors.portfolio_rollups(portfolio_ids)
    if len(rollups) != len(portfolio_ids):
        return None
    values = None
    if len(rollups) > 1:  # percentiles of several portfolios come from their merged values
        values = list(selectors.portfolio_rollups(portfolio_ids, selectors.ROLLUP_VALUES_METRIC).values())
    return portfolio_dashboard_data_from_rollups(
        [rollups[pk] for pk in sorted(rollups)], values, list_query=filterset.list_query(), projects=filterset.qs
    )


def _portfolio_data(request: HttpRequest, filterset: PortfolioDashboardFilterSet) -> PortfolioDashboardData:
    dates = (None, None)
    if filterset.is_bound and filterset.form.is_valid():
        dates = (filterset.form.cleaned_data.get("date_from"), filterset.form.cleaned_data.get("date_to"))
    return _from_rollups(request, filterset) or portfolio_dashboard_data(
        filterset.qs, list_query=filterset.list_query(), period=filterset.period_bounds(), date_range=dates
    )


def _sections_cache_key(request: HttpRequest, portfolio_ids: list[int]) -> str:
    """Same viewer scope, same filters, same snapshots and same day: the same figures."""
    query = sorted((key, value) for key, value in request.GET.items() if key != "csv")
    scope = (portfolio_ids, query, selectors.snapshots_version(portfolio_ids), timezone.localdate().isoformat())
    return "dashboard:portfolio:" + hashlib.sha256(repr(scope).encode()).hexdigest()


@login_required
@require_GET
def portfolio_dashboard(request: HttpRequest) -> HttpResponse:
    """The filters, charts and figures are rendered once per change of the snapshots they read (or of the
    filters, the viewer's portfolios or the day) and then served from the cache: executives reopen this page far
    more often than the compute tasks rewrite its snapshots. A CSV export always reads the snapshots."""
    portfolio_ids = list(portfolios_visible_to(request.user).order_by("pk").values_list("pk", flat=True))
    if not portfolio_ids:
        return render(request, "metrics/dashboards/portfolio.html", {"has_portfolio": False})
    key = _sections_cache_key(request, portfolio_ids)
    body = None if request.GET.get("csv") else cache.get(key)
    if body is None:
        filterset = PortfolioDashboardFilterSet(request.GET or None, user=request.user)
        data = _portfolio_data(request, filterset)
        charts = portfolio_charts(data)
        response = _csv_or_none(request, charts)
        if response is not None:
            return response
        context = {
            "filterset": filterset,
            "filtered": any(value for name, value in request.GET.items() if name != "csv"),
            "data": data,
            "charts": _by_name(charts),
            "kpis": portfolio_kpis(data),
        }
        body = render_to_string("metrics/dashboards/_portfolio_body.html", context, request=request)
        cache.set(key, body, DASHBOARD_CACHE_SECONDS)
    return render(request, "metrics/dashboards/portfolio.html", {"has_portfolio": True, "body": body})


def _fragment_urls(pk: int) -> list[dict]:
    sections = []
    for key, name, title in PROJECT_FRAGMENTS:
        try:
            url: str | None = reverse(name, args=[pk])
        except NoReverseMatch:  # that area's fragment is not there (yet): the section says so
            url = None
        sections.append({"key": key, "url": url, "title": title})
    return sections


@login_required
@require_GET
def project_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    data = project_dashboard_data(project)
    charts = project_charts(data)
    response = _csv_or_none(request, charts)
    if response is not None:
        return response
    context = {
        "project": project,
        "data": data,
        "charts": _by_name(charts),
        "kpis": project_kpis(data),
        "fragments": _fragment_urls(project.pk),
        "can_edit": can_edit_project(request.user, project),
        "active_tab": "dashboard",
    }
    return render(request, "metrics/dashboards/project.html", context)
