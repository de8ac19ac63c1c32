"""Forms of the public pages. Length limits come from the models, so the page and the
database agree; Django's own messages for them are Persian under the fa locale.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from centres.models import Comment


class CommentForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=Comment.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    text = forms.CharField(
        label=_("Your comment"),
        min_length=2,
        max_length=Comment.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    # A field people never see (hidden by CSS, skipped by keyboard and screen readers) but
    # form-filling robots do: a value in it marks the submission as spam.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
