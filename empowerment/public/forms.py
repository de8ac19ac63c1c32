"""Forms of the public pages. Length limits come from the models, so the page and the
database agree; Django's own messages for them are Persian under the fa locale.
"""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from centres.models import Comment
from empowerment.kernel.tracking import tracking_number_read
from empowerment.kernel.validators import normalize_mobile, validate_mobile
from empowerment.public import selectors
from programs.models import Idea
from trainees.models import (
    BusinessMessage,
    CohortInterest,
    CounsellingBooking,
    CounsellingTopic,
)


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


class MobileField(forms.CharField):
    """A mobile as phones type it (+98 912 ..., Persian digits), brought to 09xxxxxxxxx
    before any length or format check."""

    default_validators = [validate_mobile]

    def to_python(self, value):
        return normalize_mobile(super().to_python(value))


class _ResidentForm(forms.ModelForm):
    """What a resident types before the SMS code: the model's own fields, labels and
    validators (Persian names normalised, the mobile checked), neighbourhoods limited to
    those the centre serves."""

    def __init__(self, *args, centre_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        neighbourhood = self.fields["neighbourhood"]
        neighbourhood.queryset = selectors.served_neighbourhoods(centre_id=centre_id)
        neighbourhood.empty_label = _("— choose if you live nearby —")
        model_field = self.fields[self.mobile_field]
        self.fields[self.mobile_field] = MobileField(
            label=model_field.label,
            help_text=model_field.help_text,
            widget=forms.TextInput(
                attrs={
                    "inputmode": "tel",
                    "autocomplete": "tel",
                    "dir": "ltr",
                    "placeholder": "09121234567",
                }
            ),
        )

    def pending_data(self) -> dict:
        """The cleaned values as they wait in the session: JSON, so the neighbourhood's id;
        the object is read back from it after the code."""
        # Read from the instance: the model's fields have normalised it (ی/ک, digits).
        data = {name: getattr(self.instance, name) for name in self.Meta.fields}
        data["neighbourhood"] = self.instance.neighbourhood_id
        return data


class IdeaForm(_ResidentForm):
    mobile_field = "submitter_mobile"

    class Meta:
        model = Idea
        fields = [
            "title",
            "summary",
            "team_members",
            "support_needed",
            "jobs_expected",
            "neighbourhood",
            "submitter_name",
            "submitter_mobile",
            "publish_consent",
            "publish_name_consent",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "team_members": forms.Textarea(attrs={"rows": 3}),
            "support_needed": forms.Textarea(attrs={"rows": 3}),
            "jobs_expected": forms.NumberInput(
                attrs={"min": 0, "max": 1000, "inputmode": "numeric"}
            ),
        }
        help_texts = {
            "summary": _("What the idea is, who it serves and how it would earn."),
            "team_members": _("One name per line; leave empty if you work alone."),
            "support_needed": _("Training, a workshop, equipment, a loan, a sales booth..."),
            "jobs_expected": _("How many people could work in it, you included."),
            "submitter_mobile": _("A code will be sent to this number to confirm it."),
        }
        labels = {
            "neighbourhood": _("Your neighbourhood"),
            "publish_consent": _(
                "If my idea is accepted, its title and summary may be shown on this page"
            ),
            "publish_name_consent": _("and my name with them"),
        }

    def __init__(self, *args, call, **kwargs):
        kwargs.setdefault("instance", Idea(call=call))
        super().__init__(*args, centre_id=call.centre_id, **kwargs)
        self.fields["jobs_expected"].max_value = 1000
        self.fields["jobs_expected"].validators.append(MaxValueValidator(1000))


class CohortInterestForm(_ResidentForm):
    mobile_field = "mobile"

    class Meta:
        model = CohortInterest
        fields = ["name", "mobile", "neighbourhood"]
        labels = {"name": _("Your full name"), "neighbourhood": _("Your neighbourhood")}
        help_texts = {"mobile": _("A code will be sent to this number to confirm it.")}

    def __init__(self, *args, cohort, **kwargs):
        kwargs.setdefault("instance", CohortInterest(cohort=cohort))
        super().__init__(*args, centre_id=cohort.centre_id, **kwargs)

    def validate_unique(self):
        # Whether this mobile already asked is answered only after its code is confirmed
        # (see trainees.services.cohort_interest_validate); telling it here would tell
        # anyone who types a number.
        pass


class CounsellingBookingForm(forms.Form):
    """A resident books a counselling slot at a centre: the time, the topic, who they are.
    The slots offered are the free ones now; the service checks again after the code."""

    mobile_field = "mobile"

    slot = forms.ChoiceField(label=_("Time"))
    topic = forms.ModelChoiceField(
        label=_("What you want to talk about"),
        queryset=CounsellingTopic.objects.none(),
        empty_label=_("— choose —"),
    )
    name = forms.CharField(
        label=_("Your full name"),
        max_length=CounsellingBooking._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = MobileField(
        label=_("Mobile"),
        help_text=_("A code will be sent to this number to confirm it."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "tel",
                "dir": "ltr",
                "placeholder": "09121234567",
            }
        ),
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [("", _("— choose a time —"))] + [
            (slot.key, slot.label) for slot in slots
        ]
        self.fields["topic"].queryset = CounsellingTopic.objects.active()

    def pending_data(self) -> dict:
        data = self.cleaned_data
        return {
            "slot": data["slot"],
            "topic": data["topic"].pk,
            "name": data["name"],
            "mobile": data["mobile"],
        }


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code sent by SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "dir": "ltr",
                "autofocus": True,
            }
        ),
    )


class TrackingNumberField(forms.CharField):
    """A tracking number as phones type it: Persian digits, spaces or dashes between
    groups."""

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return text
        number = tracking_number_read(text)
        if number is None:
            raise forms.ValidationError(
                _("A tracking number has ten digits, as in the SMS you received."),
                code="tracking_number_format",
            )
        return number


class TrackForm(forms.Form):
    """Following what one sent: its tracking number and the mobile it was sent with."""

    number = TrackingNumberField(
        label=_("Tracking number"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )
    mobile = MobileField(
        label=_("The mobile you sent it with"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )


class FollowForm(forms.Form):
    """Following a commitment: the mobile that gets the news, confirmed by an SMS code."""

    mobile_field = "mobile"

    mobile = MobileField(
        label=_("Your mobile"),
        max_length=20,
        help_text=_("A code will be sent to this number to confirm it."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "tel",
                "dir": "ltr",
                "placeholder": "09121234567",
            }
        ),
    )

    def pending_data(self) -> dict:
        return {"mobile": self.cleaned_data["mobile"]}


class BusinessMessageForm(forms.Form):
    """A resident's message to a business in the catalogue, sent through the centre."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=BusinessMessage.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = forms.CharField(
        label=_("How to answer you"),
        max_length=BusinessMessage.CONTACT_MAX_LENGTH,
        help_text=_("A phone number or an e-mail address; only the centre's staff see it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "dir": "ltr"}),
    )
    text = forms.CharField(
        label=_("Your message"),
        min_length=2,
        max_length=BusinessMessage.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
