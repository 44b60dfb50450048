"""Template helpers shared by every lifecycle page: Markdown, badges, the phase bar, audit values."""

from typing import Any

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from lifecycle.choices import (
    DECISION_COLOURS,
    RAG,
    RAG_COLOURS,
    STATE_COLOURS,
    GateDecision,
    Phase,
    ProjectState,
    RaciRole,
)

register = template.Library()

# What Markdown may produce in our pages. No raw HTML survives beyond this list, no inline styles,
# no event handlers, and links only to http(s) and mailto: `javascript:` URLs are dropped.
MARKDOWN_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
MARKDOWN_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
MARKDOWN_URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str | None) -> str:
    """Markdown to HTML, then sanitized: safe to insert into a page whatever the author typed."""
    html = markdown_lib.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes=MARKDOWN_ATTRIBUTES,
        url_schemes=MARKDOWN_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    # Safe: render_markdown sanitizes with nh3 before anything reaches the page.
    return mark_safe(render_markdown(text))


@register.filter
def rag_colour(value: str) -> str:
    return RAG_COLOURS.get(value, "secondary")


@register.filter
def state_colour(value: str) -> str:
    return STATE_COLOURS.get(value, "secondary")


@register.filter
def decision_colour(value: str) -> str:
    return DECISION_COLOURS.get(value, "secondary")


@register.inclusion_tag("lifecycle/includes/rag_badge.html")
def rag_badge(value: str) -> dict[str, Any]:
    label = RAG(value).label if value in RAG.values else "—"
    return {"value": value, "label": label, "colour": RAG_COLOURS.get(value, "secondary")}


@register.inclusion_tag("lifecycle/includes/state_badge.html")
def state_badge(value: str) -> dict[str, Any]:
    label = ProjectState(value).label if value in ProjectState.values else value
    return {"value": value, "label": label, "colour": STATE_COLOURS.get(value, "secondary")}


@register.inclusion_tag("lifecycle/includes/decision_badge.html")
def decision_badge(value: str) -> dict[str, Any]:
    label = GateDecision(value).label if value in GateDecision.values else ""
    return {"value": value, "label": label, "colour": DECISION_COLOURS.get(value, "secondary")}


@register.inclusion_tag("lifecycle/includes/phase_progress.html")
def phase_progress(phase: str, state: str = ProjectState.ACTIVE, compact: bool = False) -> dict[str, Any]:
    """The five phases as steps: done, current, to come. A closed project has every step done."""
    phases = Phase.ordered()
    current = phases.index(Phase(phase)) if phase in Phase.values else 0
    steps = []
    for index, item in enumerate(phases):
        if state == ProjectState.CLOSED or index < current:
            status = "done"
        elif index == current:
            status = "current"
        else:
            status = "todo"
        steps.append({"number": index + 1, "label": item.label, "value": item.value, "status": status})
    return {"steps": steps, "state": state, "compact": compact}


@register.filter
def raci_label(value: str) -> str:
    return RaciRole(value).label if value in RaciRole.values else "No role"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template; None when absent (templates cannot index by a variable)."""
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# Longer values (charter sections, frozen evidence) are folded so a page of history stays readable.
AUDIT_FOLD_AT = 160


@register.filter
def audit_rows(record: Any, people: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """An audit record's before/after as rows (field, before, after) a person can read.

    `people` maps user ids (as strings) to names, for records that key values by user (the RACI).
    """
    before = record.before if isinstance(record.before, dict) else None
    after = record.after if isinstance(record.after, dict) else None
    if before is None and after is None:
        if record.before is None and record.after is None:
            return []
        return [_audit_row("", record.before, record.after, True, True, people)]
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [
        _audit_row(str(key).replace("_", " "), before.get(key), after.get(key), key in before, key in after, people)
        for key in keys
    ]


def _audit_row(field: str, before: Any, after: Any, has_before: bool, has_after: bool, people) -> dict[str, Any]:
    before_text = _readable(before, people) if has_before else None
    after_text = _readable(after, people) if has_after else None
    longest = max(len(before_text or ""), len(after_text or ""))
    return {"field": field, "before": before_text, "after": after_text, "folded": longest > AUDIT_FOLD_AT}


def _readable(value: Any, people: dict[str, str] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if people and all(str(key) in people for key in value):
            return ", ".join(f"{people[str(key)]}: {_readable(item)}" for key, item in value.items())
        return ", ".join(f"{key}: {_readable(item, people)}" for key, item in value.items()) or "—"
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return ", ".join(_readable(item) for item in value) or "—"
        return "\n".join(f"• {_readable(item, people)}" for item in value)
    return str(value)


@register.filter
def short_sha(value: str) -> str:
    return (value or "")[:12]
