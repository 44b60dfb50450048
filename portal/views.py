"""Site shell views: the home page and sign-in."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error


def home(request: HttpRequest) -> HttpResponse:
    # The project list is the home page until the portfolio dashboard exists.
    return redirect("project-list")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: the hashed name exists only after collectstatic in production.
    return redirect(static("img/favicon.svg"), permanent=True)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Integrations get JSON under /api/, people get the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return django_page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side."}, status=500)
    return django_server_error(request)
