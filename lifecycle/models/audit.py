from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    """Append-only trail of every change: who, when, what before, what after, why.

    Services write one in the transaction of the change. Nothing in the application updates or
    deletes a row; on PostgreSQL a trigger (migration 0003) refuses UPDATE and DELETE outright.
    """

    project = models.ForeignKey(
        "lifecycle.Project", on_delete=models.PROTECT, related_name="audit_records", null=True, blank=True
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=60, help_text="Dotted verb, e.g. charter.update or gate.decide.")
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "-at"]), models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"
