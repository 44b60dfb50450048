"""Site shell views: sign-in, the favicon and the error pages."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from portal.login_guard import lockout_message, login_blocked, login_failed, login_succeeded


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
