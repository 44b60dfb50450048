"""Choices of the product inputs."""

from django.db import models


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS (0-10)"
    CSAT = "csat", "CSAT (1-5)"


#: Inclusive score range of each survey kind, used by the model constraint and the service.
SURVEY_SCORE_RANGE = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}
