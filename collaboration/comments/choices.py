from django.db import models


class CommentTarget(models.TextChoices):
    """What a comment can be about; each kind is one nullable foreign key of ``Comment`` (the field's name)."""

    GATE_REVIEW = "gate_review", "Gate review"
    CHARTER = "charter", "Charter"
    ARTIFACT = "artifact", "Artifact"
    MODEL_ALERT = "model_alert", "Model alert"


BODY_MAX_LENGTH = 10_000
