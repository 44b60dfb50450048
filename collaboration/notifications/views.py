"""Pages: your notifications (mark one or all read, htmx) and your notification preferences. Thin: selectors and
services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from collaboration.notifications import services
from collaboration.notifications.forms import PreferencesForm
from collaboration.notifications.selectors import notification_row, notifications_of, unread_count

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [notification_row(n) for n in page.object_list],
        "unread": unread_count(request.user),
    }
    return render(request, "collaboration/notifications/list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: str) -> HttpResponse:
    """Mark one read. htmx gets the row back (and follows no redirect); a plain form goes back to the list."""
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    notification = services.notification_mark_read(user=request.user, notification=notification)
    if request.headers.get("HX-Request"):
        return render(request, "collaboration/notifications/_row.html", {"row": notification_row(notification)})
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=request.user, visible=notifications_of(request.user))
    messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked read.")
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = services.notification_preferences_of(request.user)
    form = PreferencesForm(request.POST or None, initial_channels=current)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "collaboration/notifications/preferences.html", {"form": form}, status=422)
        services.notification_preferences_set(user=request.user, channels=form.cleaned_data)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("account-notifications")
    return render(request, "collaboration/notifications/preferences.html", {"form": form})
