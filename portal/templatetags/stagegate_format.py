"""Template filters of ``portal.formats``: ``{{ amount|money }}``, ``{{ day|date_text }}``,
``{{ moment|datetime_text }}``, ``{{ user|person }}``, ``{% currency %}``."""

from __future__ import annotations

from typing import Any

from django import template

from portal import formats

register = template.Library()


@register.filter
def money(value: Any) -> str:
    if value is None or value == "":
        return "n/a"
    return formats.money_text(float(value))


@register.filter
def date_text(value: Any) -> str:
    return formats.date_text(value)


@register.filter
def datetime_text(value: Any) -> str:
    return formats.date_text(value, with_time=True)


@register.filter
def month_text(value: Any) -> str:
    return formats.month_text(value)


@register.filter
def person(user: Any) -> str:
    return formats.person_name(user)


@register.simple_tag
def currency() -> str:
    return formats.currency()
