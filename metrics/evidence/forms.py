"""Forms of the evidence pages: attach a model version, add an automated gate criterion.

They parse input only; metrics.evidence.services.reviews and metrics.evidence.services.rules apply the rules.
"""

from typing import Any

from django import forms

from lifecycle.choices import Phase
from lifecycle.models import Project
from metrics.evidence.choices import GateRuleKind
from metrics.mirror.choices import Comparator
from portal.forms import BootstrapMixin


class GateRuleForm(BootstrapMixin, forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices, label="Gate at the end of")
    kind = forms.ChoiceField(choices=GateRuleKind.choices)
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="Every project of the portfolio"
    )
    metric_key = forms.CharField(required=False, max_length=250, help_text="Metric threshold: e.g. val_auc.")
    comparator = forms.ChoiceField(choices=[("", "—"), *Comparator.choices], required=False)
    threshold = forms.FloatField(required=False)
    param_key = forms.CharField(required=False, max_length=250, help_text="Param recorded: e.g. split_seed.")
    alias = forms.CharField(required=False, max_length=250, help_text="Model alias: e.g. champion.")
    description = forms.CharField(required=False, max_length=300, help_text="Optional wording shown to reviewers.")

    def __init__(self, *args: Any, projects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if projects is not None:
            field = self.fields["project"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = projects
            field.label_from_instance = lambda project: f"{project.code} {project.name}"  # type: ignore[method-assign,assignment]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in ("metric_key", "comparator", "threshold", "param_key", "alias", "description")
        }


class ModelVersionAttachForm(forms.Form):
    model_name = forms.CharField(max_length=500)
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=2000)
