"""The kinds of row of a person's inbox, in the order the page shows them."""

from django.db import models


class InboxKind(models.TextChoices):
    DECISION = "decision", "Decisions"
    VOTE = "vote", "Votes"
    EVIDENCE = "evidence", "Evidence asked of you"
    ACTION = "action", "Conditions and rework"
    ALERT = "alert", "Model alerts"
