from django import forms

from collaboration.comments.choices import BODY_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. Type @ and a name to mention a member of the portfolio.",
    )
