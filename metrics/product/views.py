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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lifecycle.views.common import visible_project
from metrics.product import forms, services
from metrics.product.models import Customer, Product
from metrics.product.selectors import headlines, product_snapshots, visible_product
from metrics.snapshots.requests import compute_request_for_product
from portal.exceptions import DomainError, ValidationFailed
from portal.forms import add_domain_error
from portfolio.access import can_write_product_data

WRITE_REFUSED = "Only the portfolio's managers and product managers enter product data."


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
@require_POST
def product_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the product's snapshots now rather than at the next scheduled run (computed in the background)."""
    product = visible_product(request.user, pk)
    if not can_write_product_data(request.user, product.project):
        raise PermissionDenied(WRITE_REFUSED)
    compute_request_for_product(product)
    messages.info(request, "The metrics are being recomputed; reload in a few seconds.")
    return redirect("product-dashboard", pk=product.pk)


# --- funnel and core events -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def product_funnel(request: HttpRequest, pk: int) -> HttpResponse:
    """The product's conversion funnel (steps, window) and core events: read by members, set by writers."""
    product = visible_product(request.user, pk)
    can_write = can_write_product_data(request.user, product.project)
    form = forms.ProductFunnelForm.for_product(product)
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(WRITE_REFUSED)
        form = forms.ProductFunnelForm(request.POST)
        if form.is_valid():
            try:
                services.product_funnel_update(actor=request.user, product=product, **form.funnel())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Funnel and core events saved; the metrics are being recomputed.")
                return redirect("product-dashboard", pk=product.pk)
        status = 400
    context = {"product": product, "project": product.project, "form": form, "can_write": can_write}
    return render(request, "metrics/product/funnel.html", context, status=status)


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
    import_url = reverse("import-csv", args=[spec.import_kind, product.pk]) if spec.import_kind else ""
    context = {"product": product, "project": product.project, "entry": spec, "form": form, "import_url": import_url}
    return render(request, "metrics/product/entry.html", context, status=status)
