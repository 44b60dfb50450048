from django.db import models


class Channel(models.TextChoices):
    """How a person wants to hear of one event type."""

    IN_APP = "in_app", "In the portal"
    EMAIL = "email", "In the portal and by email"
    DIGEST = "digest", "In the portal and in a daily digest email"
    OFF = "off", "Off"


DEFAULT_CHANNEL = Channel.IN_APP
