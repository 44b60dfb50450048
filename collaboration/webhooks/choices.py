from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # not attempted yet, or an attempt is in flight
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (will be retried)"
    GIVEN_UP = "given_up", "Given up"


# A delivery still to be attempted: the reconciler sends these once their next_attempt_at passed.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
