"""Forms of the checklist page: add, rename and remove an activity."""

from django import forms

from lifecycle.choices import Phase
from portal.forms import BootstrapForm


class ActivityAddForm(BootstrapForm):
    phase = forms.ChoiceField(choices=Phase.choices, widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)


class ActivityRenameForm(BootstrapForm):
    name = forms.CharField(max_length=200)


class ActivityRemoveForm(BootstrapForm):
    reason = forms.CharField(max_length=500, required=False)
