"""Forms of the scrum pages. They only shape input: every rule is in ``metrics.scrum.services.sprints`` (a refusal comes
back as a DomainError and is shown on the form with ``portal.forms.add_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from lifecycle.models import Project
from metrics.scrum.choices import MOOD_SCORES, ItemType, SprintState, StateGroup
from metrics.scrum.models import Sprint, Team, WorkItem
from portal.forms import BootstrapForm
from portal.models import User
from portfolio.access import manageable_portfolios
from portfolio.models import Membership

DATE = forms.DateInput(attrs={"type": "date"})


def portfolio_people(portfolio_ids: Any) -> QuerySet[User]:
    ids = Membership.objects.filter(portfolio_id__in=portfolio_ids).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("username")


def started_sprints(team: Team) -> QuerySet[Sprint]:
    return team.sprints.exclude(state=SprintState.PLANNED).order_by("-planned_start", "-id")


class TeamCreateForm(BootstrapForm):
    portfolio: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, empty_label="Choose a portfolio")  # type: ignore[arg-type]
    name = forms.CharField(max_length=120)
    project: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="No single project (a platform team)",
        help_text="Project-level delivery charts show the sprints of the project's teams.",
    )
    members: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text="Members vote on the team's mood and can edit its sprints and items.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        portfolios = manageable_portfolios(user)
        ids = portfolios.values("pk")
        self.fields["portfolio"].queryset = portfolios  # type: ignore[attr-defined]
        self.fields["project"].queryset = Project.objects.filter(portfolio_id__in=ids).order_by("code")  # type: ignore[attr-defined]
        self.fields["members"].queryset = portfolio_people(ids)  # type: ignore[attr-defined]
        self.fields["members"].widget.attrs["size"] = 6


class SprintCreateForm(BootstrapForm):
    name = forms.CharField(max_length=120)
    planned_start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(widget=DATE)
    goal = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the sprint's history.")


class WorkItemForm(BootstrapForm):
    key = forms.CharField(max_length=40, help_text="The tracker key, e.g. ML-142; unique in the team.")
    title = forms.CharField(max_length=300)
    item_type = forms.ChoiceField(choices=ItemType.choices, label="Type")
    points = forms.CharField(required=False, max_length=12, help_text="Story points; empty = not estimated.")
    state_group = forms.ChoiceField(choices=StateGroup.choices, label="State")
    sprint: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Backlog (no sprint)"
    )  # type: ignore[arg-type]
    origin_sprint: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        label="Defect: concerns sprint",
        empty_label="The sprint it is logged in",
        help_text="Defects only. A defect found after that sprint closed counts as escaped from it.",
    )
    found_in = forms.CharField(
        required=False,
        max_length=40,
        label="Defect: found in item (key)",
        help_text="Defects only. Found after that item was done: it escaped.",
    )

    def __init__(self, *args: Any, team: Team, item: WorkItem | None = None, **kwargs: Any) -> None:
        if item is not None:  # ignored when the form is bound
            kwargs["initial"] = {
                "key": item.key,
                "title": item.title,
                "item_type": item.item_type,
                "points": "" if item.points is None else f"{item.points.normalize():f}",
                "state_group": item.state_group,
                "sprint": item.sprint_id,
                "origin_sprint": item.origin_sprint_id,
                "found_in": item.found_in_item.key if item.found_in_item else "",
            }
        super().__init__(*args, **kwargs)
        self.team = team
        sprints = team.sprints.order_by("-planned_start", "-id")
        self.fields["sprint"].queryset = sprints  # type: ignore[attr-defined]
        self.fields["origin_sprint"].queryset = sprints  # type: ignore[attr-defined]
        if item is not None:
            del self.fields["key"]  # the key names the item in the tracker: it does not change

    def clean_found_in(self) -> WorkItem | None:
        key = self.cleaned_data["found_in"].strip()
        if not key:
            return None
        found = WorkItem.objects.filter(team=self.team, key=key).first()
        if found is None:
            raise forms.ValidationError(f"The team has no item {key}.")
        return found

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data[name] for name in ("title", "item_type", "points", "state_group", "sprint")}
        if data["item_type"] == ItemType.DEFECT or data["origin_sprint"] or data["found_in"]:
            values.update(origin_sprint=data["origin_sprint"], found_in_item=data["found_in"])
        return values


class RetroActionForm(BootstrapForm):
    sprint: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, empty_label=None, help_text="The retrospective it came from."
    )  # type: ignore[arg-type]
    text = forms.CharField(label="Action", widget=forms.Textarea(attrs={"rows": 2}))
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No owner yet"
    )  # type: ignore[arg-type]

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sprint"].queryset = started_sprints(team)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = portfolio_people([team.portfolio_id])  # type: ignore[attr-defined]


class MoodVoteForm(BootstrapForm):
    sprint: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, empty_label=None)  # type: ignore[arg-type]
    score = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (score, f"{score} {label}")
            for score, label in zip(MOOD_SCORES, ("😞", "🙁", "😐", "🙂", "😄"), strict=True)
        ],
        widget=forms.RadioSelect,
        help_text="1 bad, 5 great. Voting again replaces your vote.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sprint"].queryset = started_sprints(team)  # type: ignore[attr-defined]
        self.fields["score"].widget.attrs["class"] = "form-check-input"
