"""Reads of the MLflow mirror that depend on who asks.

A tracking server serves the portfolios it is granted to (`TrackingServer.portfolios`; empty: none). What a
person may browse and link on it excludes every experiment and registered model already linked to a project
they cannot see: such an item is treated as if it did not exist. Each function is one query.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lifecycle.models import Project
from lifecycle.selectors import projects_visible_to
from metrics.mirror.models import ExperimentLink, RegisteredModelLink, TrackingServer
from portfolio.access import AnyUser, member_portfolio_ids


def tracking_servers_for(project: Project) -> QuerySet[TrackingServer]:
    """Servers granted to the project's portfolio: the only ones its pages offer and its links may use."""
    return TrackingServer.objects.filter(portfolios=project.portfolio_id).order_by("-is_default", "name")


def tracking_servers_visible_to(user: AnyUser) -> QuerySet[TrackingServer]:
    """Servers a person reads in the API: those granted to their portfolios and those that links of projects
    they see already use (the links name them anyway). Staff, who register servers, see them all."""
    if not user.is_authenticated:
        return TrackingServer.objects.none()
    if user.is_superuser or user.is_staff:
        return TrackingServer.objects.all()
    # Subqueries, not joins: no duplicate rows when a server serves several of the person's portfolios.
    granted = TrackingServer.portfolios.through.objects.filter(portfolio_id__in=member_portfolio_ids(user))
    projects = projects_visible_to(user)
    return TrackingServer.objects.filter(
        Q(pk__in=granted.values("trackingserver_id"))
        | Q(pk__in=ExperimentLink.objects.filter(project__in=projects).values("server_id"))
        | Q(pk__in=RegisteredModelLink.objects.filter(project__in=projects).values("server_id"))
    )


def experiment_ids_hidden_from(user: AnyUser, server: TrackingServer) -> set[str]:
    """Experiments of `server` linked to a project the person cannot see: never offered, never linked."""
    links = ExperimentLink.objects.filter(server=server).exclude(project__in=projects_visible_to(user))
    return set(links.values_list("experiment_id", flat=True))


def model_names_hidden_from(user: AnyUser, server: TrackingServer) -> set[str]:
    """Registered models of `server` linked to a project the person cannot see: never offered, never linked."""
    links = RegisteredModelLink.objects.filter(server=server).exclude(project__in=projects_visible_to(user))
    return set(links.values_list("model_name", flat=True))
