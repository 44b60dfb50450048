from django import forms

from collaboration.events.catalog import CATALOG, EventType
from collaboration.notifications.choices import Channel


class PreferencesForm(forms.Form):
    """One choice per event type, named by the type."""

    def __init__(self, *args: object, initial_channels: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for event_type, label in EventType.choices:
            self.fields[event_type] = forms.ChoiceField(
                label=label,
                choices=Channel.choices,
                initial=initial_channels[event_type],
                help_text=CATALOG[event_type].description,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
