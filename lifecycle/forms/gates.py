"""Gate review forms: a reviewer's vote with criterion scores, and the Accountable person's decision.

They parse input only; lifecycle.services.gate_vote and gate_decide apply the rules.
"""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from lifecycle.catalog import GateCriterion
from lifecycle.choices import GateDecision, NoGoOutcome
from lifecycle.services.gates import SCORE_RANGE, ActionInput
from portal.forms import BootstrapMixin, bootstrap_widgets

User = get_user_model()
SCORE_CHOICES = [("", "—")] + [(str(score), str(score)) for score in SCORE_RANGE]
# Blank condition / rework rows offered when the decision form opens; more are added in the page.
EXTRA_ACTION_ROWS = 2
# Decisions whose conditions or rework items are sent; for the others those rows are hidden and ignored.
DECISIONS_WITH_ACTIONS = (GateDecision.CONDITIONAL_GO, GateDecision.RECYCLE)


class VoteForm(BootstrapMixin, forms.Form):
    vote = forms.ChoiceField(choices=GateDecision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, criteria: tuple[GateCriterion, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[self.score_field(criterion.key)] = forms.TypedChoiceField(
                label=criterion.label,
                help_text=criterion.help,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
        bootstrap_widgets(self)

    @staticmethod
    def score_field(key: str) -> str:
        return f"score_{key}"

    @property
    def score_fields(self) -> list[forms.BoundField]:
        return [self[self.score_field(criterion.key)] for criterion in self.criteria]

    def scores(self) -> dict[str, int]:
        """Criterion key -> 1..5 for the criteria the reviewer scored; unscored ones are left out."""
        return {
            criterion.key: self.cleaned_data[self.score_field(criterion.key)]
            for criterion in self.criteria
            if self.cleaned_data.get(self.score_field(criterion.key)) is not None
        }


def vote_initial(vote: Any) -> dict[str, Any]:
    """A reviewer's current vote as form data, so changing it starts from what they said."""
    if vote is None:
        return {}
    initial = {"vote": vote.vote, "comment": vote.comment}
    initial.update({VoteForm.score_field(key): str(score) for key, score in (vote.scores or {}).items()})
    return initial


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=GateDecision.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why this decision; required for a no-go. Frozen once recorded.",
    )
    no_go_outcome = forms.ChoiceField(
        label="No-go outcome", choices=NoGoOutcome.choices, required=False, widget=forms.RadioSelect
    )
    override_reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed for a go or conditional go while an automated criterion does not pass; audited.",
    )


class ActionForm(BootstrapMixin, forms.Form):
    description = forms.CharField(widget=forms.TextInput(attrs={"placeholder": "What must be done"}))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="Owner…")
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, owners: QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        if owners is not None:
            owner.queryset = owners
        owner.label_from_instance = lambda user: user.get_full_name() or user.get_username()  # type: ignore[method-assign]


ActionFormSet = forms.formset_factory(ActionForm, extra=EXTRA_ACTION_ROWS)


class DecisionForms:
    """The decision form and its conditions / rework formset, handled as one."""

    prefix = "actions"

    def __init__(self, owners: QuerySet, data: Any = None) -> None:
        self.form = DecisionForm(data)
        self.actions = ActionFormSet(data, prefix=self.prefix, form_kwargs={"owners": owners})

    @property
    def decision(self) -> str:
        return self.form.cleaned_data["decision"]

    def is_valid(self) -> bool:
        if not self.form.is_valid():
            self.actions.is_valid()  # show row errors too, in one round trip
            return False
        if self.decision not in DECISIONS_WITH_ACTIONS:
            return True  # hidden rows of another decision do not block this one
        return self.actions.is_valid()

    def filled_rows(self) -> list[forms.Form]:
        if self.decision not in DECISIONS_WITH_ACTIONS:
            return []
        return [form for form in self.actions.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def action_inputs(self) -> list[ActionInput]:
        return [
            ActionInput(
                description=form.cleaned_data["description"],
                owner_id=form.cleaned_data["owner"].pk,
                due_date=form.cleaned_data.get("due_date"),
            )
            for form in self.filled_rows()
        ]

    @property
    def no_go_outcome(self) -> str:
        return self.form.cleaned_data.get("no_go_outcome", "") if self.decision == GateDecision.NO_GO else ""

    def add_domain_errors(self, message: str, details: Any) -> None:
        """A refusal of gate_decide: the message on top; `actions[i]` on the i-th filled row."""
        self.form.add_error(None, message)
        if not isinstance(details, dict):
            return
        rows = self.filled_rows()
        for key, text in details.items():
            if key in self.form.fields:
                self.form.add_error(key, str(text))
            elif (index := _row_index(key)) is not None and index < len(rows):
                rows[index].add_error(None, str(text))
            elif key == "actions":
                self.form.add_error(None, "Conditions / rework items: " + str(text))


def _row_index(key: str) -> int | None:
    """3 for "actions[3]", the way services name a row in ValidationFailed details."""
    if key.startswith("actions[") and key.endswith("]") and key[8:-1].isdigit():
        return int(key[8:-1])
    return None
