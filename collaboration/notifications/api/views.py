"""The notifications API: your own notifications (mark one or all read) and your preferences.

Notifications are the user's own, not portfolio data: every query is scoped to ``request.user`` (and to the
portfolios they may still see), and someone else's notification id is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from collaboration.notifications import services
from collaboration.notifications.api.serializers import (
    MarkedReadSerializer,
    NotificationSerializer,
    PreferenceSerializer,
    PreferencesInputSerializer,
)
from collaboration.notifications.models import Notification, NotificationPreference
from collaboration.notifications.selectors import notifications_of, preference_rows
from portal.api_base import ApiMetadata, ScopedAutoSchema, validated
from portal.api_exceptions import error_responses


class PersonalViewSet(GenericViewSet):
    parser_classes = (JSONParser,)
    schema = ScopedAutoSchema()
    metadata_class = ApiMetadata  # OPTIONS without get_object(): notification-preferences/ has no pk (was a 500)
    lookup_value_regex = r"[0-9]{1,18}"  # ids only, never beyond a 64-bit integer: anything else is 404


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, PersonalViewSet):
    """Your notifications, unread first, newest first."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return notifications_of(self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer, **error_responses(404)}, summary="Mark read")
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = services.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: MarkedReadSerializer}, summary="Mark all your notifications read")
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(user=request.user, visible=self.get_queryset())
        return Response({"marked": marked})


@extend_schema(tags=["notifications"])
class NotificationPreferenceViewSet(PersonalViewSet):
    """How you hear of each event type: in_app (default), email, digest or off."""

    serializer_class = PreferenceSerializer
    queryset = NotificationPreference.objects.none()  # the schema's model; rows are built in _rows()
    pagination_class = None  # one row per event type of the catalog, a fixed handful

    def _rows(self) -> Response:
        return Response(
            PreferenceSerializer(
                preference_rows(services.notification_preferences_of(self.request.user)), many=True
            ).data
        )

    @extend_schema(responses={200: PreferenceSerializer(many=True)}, summary="Your channel for every event type")
    def list(self, request: Request) -> Response:
        return self._rows()

    @extend_schema(
        request=PreferencesInputSerializer,
        responses={200: PreferenceSerializer(many=True), **error_responses(400)},
        summary="Change your channel for some event types",
    )
    def update_all(self, request: Request) -> Response:
        given = validated(PreferencesInputSerializer, self)
        channels = {row["event_type"]: row["channel"] for row in given["preferences"]}
        services.notification_preferences_set(user=request.user, channels=channels)
        return self._rows()
