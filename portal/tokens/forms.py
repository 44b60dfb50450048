from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from portal.forms import BootstrapForm
from portal.models import TOKEN_NAME_MAX_LENGTH, TokenScope
from portal.tokens.services import default_expiry_days


class TokenCreateForm(BootstrapForm):
    name = forms.CharField(max_length=TOKEN_NAME_MAX_LENGTH, help_text="What the token is for, e.g. “CI reports”.")
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ_ONLY,
        widget=forms.RadioSelect,
        help_text="A read-only token may only read; a read-write token may do whatever you may do.",
    )
    expires_in_days = forms.IntegerField(label="Expires in (days)", min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        maximum = settings.STAGEGATE_TOKEN_MAX_DAYS  # read now: tests and deployments may change it
        field = self.fields["expires_in_days"]
        field.validators.append(MaxValueValidator(maximum))
        field.widget.attrs.update({"min": 1, "max": maximum})
        field.initial = default_expiry_days()
        field.help_text = f"1 to {maximum} days; the token stops working after that."
