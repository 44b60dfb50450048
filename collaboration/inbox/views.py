"""The inbox page: everything the signed-in person owes, grouped by kind, overdue first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from collaboration.inbox.choices import InboxKind
from collaboration.inbox.selectors import inbox_groups, inbox_rows


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("kind", "")
    kind = InboxKind(wanted) if wanted in InboxKind.values else None
    rows = inbox_rows(request.user, kind=kind)
    context = {"groups": inbox_groups(rows), "total": len(rows), "kind": kind, "kinds": InboxKind.choices}
    return render(request, "collaboration/inbox/inbox.html", context)
