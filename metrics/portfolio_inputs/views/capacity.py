"""A portfolio's capacity: working and leave hours of its members per week (the denominator of utilization)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from metrics.portfolio_inputs import forms as f
from metrics.portfolio_inputs.models import Capacity
from metrics.portfolio_inputs.services import resources as services
from portal.exceptions import DomainError
from portal.forms import refusal_of, show_refusal
from portal.htmx import is_htmx, render_fragment_or_page
from portfolio.access import can_manage_portfolio, portfolios_visible_to
from portfolio.models import Membership, Portfolio

LIST_LIMIT = 100


def _context(request: HttpRequest, portfolio: Portfolio, form: f.CapacityForm | None, saved: str = "") -> dict:
    members = Membership.objects.filter(portfolio=portfolio).values("user_id")
    capacities = Capacity.objects.filter(person__in=members)
    can_write = can_manage_portfolio(request.user, portfolio.pk)
    return {
        "portfolio": portfolio,
        "capacities": list(capacities.select_related("person").order_by("-week", "person__username")[:LIST_LIMIT]),
        "count": capacities.count(),
        "can_write": can_write,
        "form": form if can_write else None,
        "refusal": "" if can_write else refusal_of(form),
        "saved": saved,
        "import_url": reverse("import-csv", args=["capacity", portfolio.pk]),
        "section_url": reverse("portfolio-capacity", args=[portfolio.pk]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    portfolio = get_object_or_404(portfolios_visible_to(request.user), pk=pk)
    status, saved = 200, ""
    if request.method == "GET":
        form = f.CapacityForm(portfolio_id=portfolio.pk)
    else:
        form = f.CapacityForm(request.POST, portfolio_id=portfolio.pk)
        status = 400
        if form.is_valid():
            try:
                row = services.capacity_set(
                    actor=request.user, **{**form.cleaned_data, "leave_hours": form.cleaned_data["leave_hours"] or 0}
                )
            except DomainError as exc:
                status = show_refusal(form, exc)
            else:
                saved = f"Capacity of {row.person} for the week of {row.week} is set: {row.capacity_hours} h."
                if not is_htmx(request):
                    messages.success(request, saved)
                    return redirect("portfolio-capacity", pk=portfolio.pk)
                status, form = 200, f.CapacityForm(portfolio_id=portfolio.pk)
    return render_fragment_or_page(
        request,
        "metrics/inputs/capacity.html",
        "metrics/inputs/_capacity_body.html",
        _context(request, portfolio, form, saved),
        status,
    )
