"""Site shell views: sign-in, the favicon and the error pages."""

import sys

from django.contrib.auth import views as auth_views
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from portal.login_guard import SignInForm


class LoginView(auth_views.LoginView):
    """The sign-in page. A refused attempt (locked out, or a throttled address) shows why on the form and is
    answered 429 with Retry-After: see portal/login_guard.py."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: the hashed name exists only after collectstatic in production.
    return redirect(static("img/favicon.svg"), permanent=True)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Integrations get JSON under /api/, people get the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return django_page_not_found(request, exception)


#: Seconds a client is asked to wait when the database cannot be reached.
DATABASE_RETRY_AFTER = 30


def _database_unreachable() -> bool:
    """Whether the exception being handled is the database connection failing (dropped, refused, locked), not a
    bug: that is a 503 "try again", the next request reconnects (CONN_HEALTH_CHECKS)."""
    error = sys.exc_info()[1]
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    if _database_unreachable():
        detail = "The database cannot be reached right now; nothing was saved. Try again in a moment."
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"code": "unavailable", "detail": detail}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side."}, status=500)
    return django_server_error(request)
