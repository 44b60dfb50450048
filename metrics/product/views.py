"""Product pages: a project's products, a product's dashboard, the forms entering its data, and the product
section of the project dashboard (an htmx fragment).

Thin views: visibility from ``portfolio.access`` (outsiders get 404), writes through
``metrics.product.services`` (refusals shown on the form), charts from snapshots (``metrics.dashboards.product``);
nothing is computed on request. ``?csv=<chart id>`` downloads a chart's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifecycle.selectors import projects_visible_to
from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.dashboards.product import (
    EntryLinks,
    dau_trend_chart,
    headlines,
    import_page_url,
    product_charts,
    product_snapshots,
)
from metrics.product import forms, services
from metrics.product.models import Customer, Product
from metrics.snapshots.requests import compute_request_for_product
from portal.exceptions import DomainError, ValidationFailed
from portal.forms import add_domain_error
from portfolio.access import can_write_product_data

WRITE_REFUSED = "Only the portfolio's managers and product managers enter product data."


def visible_products(user: Any) -> QuerySet[Product]:
    return Product.objects.filter(project__in=projects_visible_to(user).values("pk"))


def visible_product(user: Any, pk: int) -> Product:
    """The product if the user may see its project; 404 otherwise."""
    return get_object_or_404(visible_products(user).select_related("project__portfolio"), pk=pk)


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


# --- list and create --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def product_list(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    can_write = can_write_product_data(request.user, project)
    form = forms.ProductCreateForm()
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(WRITE_REFUSED)
        form = forms.ProductCreateForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_create(
                    actor=request.user,
                    project=project,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Product {product.name} created. Next: import its usage events.")
                return redirect("product-dashboard", pk=product.pk)
        status = 400
    products = list(project.products.order_by("name"))
    snapshots = product_snapshots(p.pk for p in products)
    context = {
        "project": project,
        "rows": [{"product": p, "headlines": headlines(snapshots[p.pk])[:4]} for p in products],
        "form": form,
        "can_write": can_write,
    }
    return render(request, "metrics/product/list.html", context, status=status)


# --- dashboard --------------------------------------------------------------------------------------------------


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
@require_POST
def product_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the product's snapshots now rather than at the next scheduled run (computed in the background)."""
    product = visible_product(request.user, pk)
    if not can_write_product_data(request.user, product.project):
        raise PermissionDenied(WRITE_REFUSED)
    compute_request_for_product(product)
    messages.info(request, "The metrics are being recomputed; reload in a few seconds.")
    return redirect("product-dashboard", pk=product.pk)


# --- project dashboard fragment ---------------------------------------------------------------------------------


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


# --- data entry -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    title: str
    form_class: type
    save: Callable[[Any, Product, Any], str]  # (actor, product, form) -> success message
    help: str
    import_kind: str = ""


def _save_customer(actor: Any, product: Product, form: Any) -> str:
    customer = services.customer_add(actor=actor, product=product, **form.cleaned_data)
    return f"Customer {customer.external_id} added."


def _save_order(actor: Any, product: Product, form: Any) -> str:
    data = form.cleaned_data
    customer = Customer.objects.filter(product=product, external_id=data["customer"]).first()
    if customer is None:
        message = f"No customer {data['customer']!r} in this product: add the customer first."
        raise ValidationFailed(message, details={"customer": message})
    services.order_add(
        actor=actor,
        customer=customer,
        placed_at=data["placed_at"],
        revenue=data["revenue"],
        gross_margin=data["gross_margin"],
    )
    return f"Order of {customer.external_id} added."


def _save_spend(actor: Any, product: Product, form: Any) -> str:
    row = services.marketing_spend_add(actor=actor, product=product, **form.cleaned_data)
    return f"Spend of {row.amount} on {row.channel} recorded."


def _save_survey(actor: Any, product: Product, form: Any) -> str:
    response = services.survey_response_add(actor=actor, product=product, **form.cleaned_data)
    return f"{response.get_kind_display()} answer {response.score} recorded."


_EVENT_FIELDS = {"user_id": "user", "name": "name", "at": "time", "properties": "properties"}


def _save_event(actor: Any, product: Product, form: Any) -> str:
    try:
        services.product_events_add(actor=actor, product=product, events=[form.event()])
    except DomainError as error:
        # The bulk service reports by row: put row 0's messages on the form's fields.
        rows = error.details.get("rows", {}) if isinstance(error.details, dict) else {}
        fields = {_EVENT_FIELDS.get(k, k): v for k, v in (rows.get(0) or {}).items()}
        raise DomainError(error.message, details=fields) from error
    return "Event recorded."


ENTRIES = {
    "customer": Entry("Add a customer", forms.CustomerForm, _save_customer,
                      "Customers are the denominator of CAC and the units of repurchase and CLV.", "customers"),
    "order": Entry("Add an order", forms.OrderForm, _save_order,
                   "Orders give revenue, gross margin and repurchases.", "orders"),
    "spend": Entry("Record marketing spend", forms.MarketingSpendForm, _save_spend,
                   "Sales and marketing spend per channel and period: CAC's numerator.", "marketing-spend"),
    "survey": Entry("Record a survey response", forms.SurveyResponseForm, _save_survey,
                    "NPS answers are 0-10; CSAT answers 1-5.", "survey-responses"),
    "event": Entry("Add a usage event", forms.EventForm, _save_event,
                   "One event by hand; import a CSV (or use the API) for real volumes.", "product-events"),
}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def product_entry(request: HttpRequest, pk: int, entry: str) -> HttpResponse:
    product = visible_product(request.user, pk)
    spec = ENTRIES[entry]
    if not can_write_product_data(request.user, product.project):
        raise PermissionDenied(WRITE_REFUSED)
    form = spec.form_class(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                message = spec.save(request.user, product, form)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, message)
                if "add_another" in request.POST:
                    return redirect(request.path)
                return redirect("product-dashboard", pk=product.pk)
        status = 400
    import_url = import_page_url(spec.import_kind, product.pk) if spec.import_kind else ""
    context = {"product": product, "project": product.project, "entry": spec, "form": form, "import_url": import_url}
    return render(request, "metrics/product/entry.html", context, status=status)
