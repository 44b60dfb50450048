"""Work items of a team: the list, create and edit (every change of sprint, state, points or type is logged)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from metrics.scrum.forms import WorkItemForm
from metrics.scrum.models import WorkItem
from metrics.scrum.selectors import visible_team
from metrics.scrum.services import sprints as services
from metrics.scrum.views.common import actor, writable_team
from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portfolio.access import can_write_team

ITEMS_PER_PAGE = 50


@login_required
@require_GET
def item_list(request: HttpRequest, pk: int) -> HttpResponse:
    team = visible_team(request.user, pk)
    items = WorkItem.objects.filter(team=team).select_related("sprint").order_by("key")
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "team": team,
        "page": page,
        "items": page.object_list,
        "can_write": can_write_team(actor(request), team),
        "import_url": reverse("import-csv", kwargs={"kind": "jira-issues", "scope_pk": team.pk}),
    }
    return render(request, "metrics/scrum/items.html", context)


def _page(request: HttpRequest, team, form, item=None, status: int = 200) -> HttpResponse:
    title = f"Edit {item.key}" if item else "New work item"
    intro = "Changes of sprint, state, points or type are recorded with their time: the charts are rebuilt from them."
    context = {"team": team, "form": form, "title": title, "intro": intro, "item": item}
    return render(request, "metrics/scrum/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    form = WorkItemForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.work_item_create(
                actor=actor(request), team=team, key=form.cleaned_data["key"], **form.values()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{item.key} added.")
            return redirect(reverse("team-items", args=[team.pk]))
    return _page(request, team, form, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    item = get_object_or_404(WorkItem, pk=item_pk, team=team)
    form = WorkItemForm(request.POST or None, team=team, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.work_item_update(actor=actor(request), item=item, changes=form.values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{item.key} saved.")
            return redirect(reverse("team-items", args=[team.pk]))
    return _page(request, team, form, item, status=400 if form.is_bound and form.errors else 200)
