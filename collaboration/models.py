"""Models of the collaboration areas, one module per area; re-exported here."""

from collaboration.comments.models import Comment
from collaboration.events.models import Event
from collaboration.notifications.models import Notification, NotificationPreference
from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = ["Comment", "Event", "Notification", "NotificationPreference", "WebhookDelivery", "WebhookSubscription"]
