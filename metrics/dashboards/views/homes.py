"""The role home pages: each role lands where its work is."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from metrics.dashboards.homes import Home, home_of, manager_home, reviews_awaiting_evidence

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
    return redirect(HOME_URL_NAMES[home_of(request.user)])


@login_required
def home_manager(request: HttpRequest) -> HttpResponse:
    return render(request, "home/manager.html", {"home": manager_home(request.user)})


@login_required
def home_evidence(request: HttpRequest) -> HttpResponse:
    return render(request, "home/evidence.html", {"reviews": reviews_awaiting_evidence(request.user)})
