"""API of MLflow servers and a project's experiment and model links (list, link, key metrics, unlink, sync).

A member reads the servers granted to their portfolios, and those the links of projects they see use (name,
URI, policy); only staff see every server, the NAMES of the credential variables and the portfolios granted,
and write. Links are sub-resources of a project (404 outside the user's portfolios); a link names a server of
the project's portfolio, and an experiment or model linked to a project the user cannot see answers 404.
Writes go through `metrics.mirror.services.links`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle.api.base import ProjectChildViewSet
from metrics.mirror import requests as sync_requests
from metrics.mirror.api.serializers import (
    ExperimentLinkCreateSerializer,
    ExperimentLinkSerializer,
    KeyMetricsSerializer,
    ModelLinkCreateSerializer,
    ModelLinkSerializer,
    SyncRequestedSerializer,
    TrackingServerInputSerializer,
    TrackingServerSerializer,
    TrackingServerStaffSerializer,
)
from metrics.mirror.models import ExperimentLink, RegisteredModelLink, TrackingServer
from metrics.mirror.selectors import tracking_servers_visible_to
from metrics.mirror.services import links
from portal.api_exceptions import error_responses
from portal.exceptions import ValidationFailed
from portfolio.api.base import PortfolioScopedViewSet

# -- servers ----------------------------------------------------------------------------------------------


def _is_staff(request: Request) -> bool:
    return bool(request.user.is_staff or request.user.is_superuser)


@extend_schema(tags=["mlflow"])
class TrackingServerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """MLflow tracking servers of the user's portfolios. Staff register and change them and grant portfolios;
    secrets never pass through the API."""

    queryset = TrackingServer.objects.all()
    serializer_class = TrackingServerSerializer
    portfolio_field = "portfolios"  # documents the scope; get_queryset applies it (a many-to-many)

    def get_queryset(self) -> Any:
        return tracking_servers_visible_to(self.request.user).prefetch_related("portfolios")

    def get_serializer_class(self) -> Any:
        request = getattr(self, "request", None)
        if request is not None and request.user.is_authenticated and _is_staff(request):
            return TrackingServerStaffSerializer
        return TrackingServerSerializer

    @extend_schema(
        request=TrackingServerInputSerializer,
        responses={201: TrackingServerStaffSerializer, **error_responses(400, 403)},
        summary="Register a tracking server (staff)",
    )
    def create(self, request: Request) -> Response:
        given = TrackingServerInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        server = links.tracking_server_save(actor=request.user, **given.validated_data)
        return Response(TrackingServerStaffSerializer(server).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TrackingServerInputSerializer(partial=True),
        responses={200: TrackingServerStaffSerializer, **error_responses(400, 403, 404)},
        summary="Change a tracking server (staff)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        server = self.get_object()
        given = TrackingServerInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        server = links.tracking_server_save(actor=request.user, server=server, **given.validated_data)
        return Response(TrackingServerStaffSerializer(server).data)


# -- links ------------------------------------------------------------------------------------------------


def _server(server_id: int | None) -> TrackingServer | None:
    if server_id is None:
        return None
    server = TrackingServer.objects.filter(pk=server_id).first()
    if server is None:
        raise ValidationFailed("No such tracking server.", details={"server": "Not found."})
    return server


def _sync_answer(model: type[ExperimentLink] | type[RegisteredModelLink], pk: int, queued: bool) -> Response:
    link = model.objects.get(pk=pk)
    body = {"queued": queued, "sync_status": link.sync_status, "last_error": link.last_error}
    return Response(SyncRequestedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class _LinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    pagination_class = None
    lookup_url_kwarg = "link_pk"

    @extend_schema(
        request=None,
        responses={202: SyncRequestedSerializer, **error_responses(403, 404)},
        summary="Request a sync now (runs in a worker; poll the link for progress)",
    )
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, project_pk: Any = None, link_pk: Any = None) -> Response:
        link = self.get_object()
        queued = sync_requests.link_sync_request(actor=request.user, link=link)
        return _sync_answer(type(link), link.pk, queued)


@extend_schema(tags=["mlflow"])
class ExperimentLinkViewSet(_LinkViewSet):
    """Experiments linked to the project. POST links one by id or by name after checking it in MLflow."""

    queryset = ExperimentLink.objects.select_related("server")
    serializer_class = ExperimentLinkSerializer

    @extend_schema(
        request=ExperimentLinkCreateSerializer,
        responses={201: ExperimentLinkSerializer, **error_responses(400, 403, 404)},
        summary="Link an experiment (by id or name; project managers and data scientists)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        given = ExperimentLinkCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        link = links.experiment_link_create(
            actor=request.user,
            project=self.get_project(),
            server=_server(data.get("server")),
            experiment_id=data["experiment_id"],
            experiment_name=data["experiment_name"],
            key_metrics=data["key_metrics"],
        )
        return Response(ExperimentLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=KeyMetricsSerializer,
        responses={200: ExperimentLinkSerializer, **error_responses(400, 403, 404)},
        summary="Set the key metrics (their full history is pulled)",
    )
    def partial_update(self, request: Request, project_pk: Any = None, link_pk: Any = None) -> Response:
        link = self.get_object()
        given = KeyMetricsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        link = links.experiment_link_set_key_metrics(
            actor=request.user, link=link, key_metrics=given.validated_data["key_metrics"]
        )
        return Response(ExperimentLinkSerializer(link).data)

    @extend_schema(
        request=None, responses={204: None, **error_responses(403, 404)}, summary="Unlink (synced runs stay)"
    )
    def destroy(self, request: Request, project_pk: Any = None, link_pk: Any = None) -> Response:
        links.experiment_link_delete(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["mlflow"])
class ModelLinkViewSet(_LinkViewSet):
    """Registered models linked to the project."""

    queryset = RegisteredModelLink.objects.select_related("server")
    serializer_class = ModelLinkSerializer

    @extend_schema(
        request=ModelLinkCreateSerializer,
        responses={201: ModelLinkSerializer, **error_responses(400, 403, 404)},
        summary="Link a registered model by name (project managers and data scientists)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        given = ModelLinkCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        link = links.model_link_create(
            actor=request.user,
            project=self.get_project(),
            server=_server(given.validated_data.get("server")),
            model_name=given.validated_data["model_name"],
        )
        return Response(ModelLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={204: None, **error_responses(403, 404)}, summary="Unlink (synced versions stay)"
    )
    def destroy(self, request: Request, project_pk: Any = None, link_pk: Any = None) -> Response:
        links.model_link_delete(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
