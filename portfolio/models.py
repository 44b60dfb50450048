from django.conf import settings
from django.db import models

from portfolio.choices import Role


class Portfolio(models.Model):
    """A column of the program matrix, e.g. Applied Machine Learning."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessUnit(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StrategicGoal(models.Model):
    name = models.CharField(max_length=160, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person holds a role in a portfolio; every permission derives from these rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["portfolio__name", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "portfolio", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["user", "portfolio"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.portfolio}"
