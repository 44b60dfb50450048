"""Site shell views: the role home pages and sign-in."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from portal.home import Home, home_of, manager_home, reviews_awaiting_evidence
from portal.login_guard import lockout_message, login_blocked, login_failed, login_succeeded

HOME_URL_NAMES = {
    Home.PORTFOLIO_HEALTH: "dashboard-portfolio",
    Home.MANAGER: "home-manager",
    Home.EVIDENCE: "home-evidence",
    Home.PROJECT_LIST: "project-list",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own home: executives on portfolio health, managers on their projects and pending
    actions, data scientists on the reviews that await evidence, everyone else on the project list."""
    try:
        return redirect(reverse(HOME_URL_NAMES[home_of(request.user)]))
    except NoReverseMatch:  # a dashboard not installed: the project list serves everyone
        return redirect("project-list")


@login_required
def home_manager(request: HttpRequest) -> HttpResponse:
    return render(request, "home/manager.html", {"home": manager_home(request.user)})


@login_required
def home_evidence(request: HttpRequest) -> HttpResponse:
    return render(request, "home/evidence.html", {"reviews": reviews_awaiting_evidence(request.user)})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        if login_blocked(request, username):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, lockout_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_succeeded(self.request, form.get_user().get_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        login_failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)


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
