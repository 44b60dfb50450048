"""Forms of the product pages. They only carry text to the services (``metrics.product.services``), which
check every value and answer with field errors; ``portal.forms.add_domain_error`` puts those on the form."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from metrics.product.choices import SurveyKind
from portal.forms import BootstrapForm


def _date() -> forms.CharField:
    return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), help_text="YYYY-MM-DD")


def _moment(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
        help_text="Date and time, in the portal's time zone unless an offset is given.",
        **kwargs,
    )


class ProductCreateForm(BootstrapForm):
    name = forms.CharField(max_length=160)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CustomerForm(BootstrapForm):
    external_id = forms.CharField(label="Customer id", help_text="The id your systems (and the events) use.")
    acquired_on = _date()
    channel = forms.CharField(required=False, help_text="Acquisition channel, e.g. ads, partner, organic.")


class OrderForm(BootstrapForm):
    customer = forms.CharField(label="Customer id", help_text="An existing customer's id.")
    placed_at = _moment()
    revenue = forms.CharField()
    gross_margin = forms.CharField(help_text="Fraction of revenue kept, from 0 to 1 (e.g. 0.4).")


class MarketingSpendForm(BootstrapForm):
    channel = forms.CharField()
    period_start = _date()
    period_end = _date()
    amount = forms.CharField()


class SurveyResponseForm(BootstrapForm):
    kind = forms.ChoiceField(choices=SurveyKind.choices)
    score = forms.CharField(help_text="NPS: 0-10. CSAT: 1-5.")
    at = _moment(label="Answered at")
    respondent = forms.CharField(required=False)


class EventForm(BootstrapForm):
    """One event by hand (events mostly arrive by CSV import or the API)."""

    user = forms.CharField(label="User id")
    name = forms.CharField(label="Event name")
    time = _moment()
    properties = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="A JSON object.")

    def clean_properties(self) -> dict[str, Any]:
        raw = self.cleaned_data["properties"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError('Not JSON: write a JSON object, e.g. {"model": "v3"}.') from None
        if not isinstance(value, dict):
            raise forms.ValidationError('A JSON object, e.g. {"model": "v3"}.')
        return value

    def event(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"user_id": data["user"], "name": data["name"], "at": data["time"], "properties": data["properties"]}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ProductFunnelForm(BootstrapForm):
    """The conversion funnel and the core events, one event name a line; the service checks them."""

    funnel_steps = forms.CharField(
        label="Funnel steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Event names in order, one a line: the entry step first, the conversion step last.",
    )
    funnel_window_days = forms.CharField(
        label="Conversion window (days)", help_text="Days a user who entered has to reach the last step."
    )
    core_events = forms.CharField(
        label="Core events",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The event names that are the product's features, one a line: feature usage counts these.",
    )

    @classmethod
    def for_product(cls, product: Any) -> ProductFunnelForm:
        return cls(
            initial={
                "funnel_steps": "\n".join(product.funnel_steps or []),
                "funnel_window_days": product.funnel_window_days,
                "core_events": "\n".join(product.core_events or []),
            }
        )

    def funnel(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "funnel_steps": _lines(data["funnel_steps"]),
            "funnel_window_days": data["funnel_window_days"],
            "core_events": _lines(data["core_events"]),
        }
