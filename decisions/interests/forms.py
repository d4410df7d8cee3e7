"""Forms for the register of interests, rendered with GOV.UK Frontend markup."""

from decimal import Decimal

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import get_user_model

from prevent_compliance.forms import GovUKDateField, gds_helper
from toolkit.forms import UserChoiceField, staff_users

from .models import MAX_VALUE, Gift, Holder, Interest

LONG_TEXT = 2000
# Staff addresses under /interests/ that a holder's web address name would hide.
RESERVED_SLUGS = {"new", "mine"}


class HolderForm(forms.ModelForm):
    user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="User account (optional)",
        help_text="Their account in this app: only they can confirm their register.",
    )

    class Meta:
        model = Holder
        fields = ["name", "role_title", "kind", "slug", "user", "active"]
        widgets = {"kind": forms.RadioSelect}
        labels = {"active": "List this person on the public register"}
        error_messages = {
            "name": {"required": "Enter the name to publish"},
            "role_title": {"required": "Enter the role title"},
            "kind": {"required": "Select whether they are the Commissioner, Deputy or staff"},
            "slug": {
                "required": "Enter a web address name, like jane-smith",
                "invalid": "Use only lower-case letters, numbers and hyphens, like jane-smith",
                "unique": "Another person already has this web address name",
            },
        }

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                "This web address name is used by the service: choose another"
            )
        return slug

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Holder.Kind.choices
        self.fields["user"].queryset = staff_users()
        self.fields["user"].empty_label = "No account"
        self.helper = gds_helper(submit_label="Save")
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("role_title"),
            Field.radios("kind"),
            Field.text("slug", field_width=20),
            Field("user"),
            Field.checkbox("active"),
        )


class InterestForm(forms.ModelForm):
    start_date = GovUKDateField(label="Start date")
    end_date = GovUKDateField(label="End date (optional)", required=False)

    class Meta:
        model = Interest
        fields = [
            "category",
            "organisation",
            "description",
            "start_date",
            "end_date",
            "internal_note",
        ]
        widgets = {"category": forms.RadioSelect}
        labels = {
            "organisation": "Organisation or body (optional)",
            "internal_note": "Internal note (optional, never published)",
        }
        help_texts = {"end_date": "Give the date the interest ended. Leave empty while it lasts."}
        error_messages = {
            "category": {"required": "Select the kind of interest"},
            "description": {
                "required": "Enter a description of the interest",
                "max_length": f"The description must be {LONG_TEXT} characters or fewer",
            },
            "organisation": {"max_length": "The organisation must be 200 characters or fewer"},
            "internal_note": {
                "max_length": f"The internal note must be {LONG_TEXT} characters or fewer"
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = Interest.Category.choices
        self.helper = gds_helper(submit_label="Save entry")
        self.helper.layout = Layout(
            Field.radios("category"),
            Field.text("organisation"),
            Field.textarea("description", rows=3),
            Field("start_date"),
            Field("end_date"),
            Field.textarea("internal_note", rows=2),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be the same as or after the start date")
        return cleaned


class GiftForm(forms.ModelForm):
    offered_on = GovUKDateField(label="Date offered")
    value = forms.DecimalField(
        label="Estimated value (£)",
        min_value=Decimal("0"),
        max_value=MAX_VALUE,
        max_digits=9,
        decimal_places=2,
        help_text="In pounds, for example 45 or 120.50. Enter 0 if it had no value.",
        error_messages={
            "required": "Enter the estimated value in pounds",
            "invalid": "Enter the estimated value as a number of pounds, like 120.50",
            "min_value": "The estimated value cannot be negative",
            "max_value": "The estimated value must be £1,000,000 or less",
            "max_digits": "The estimated value must be £1,000,000 or less",
            "max_whole_digits": "The estimated value must be £1,000,000 or less",
            "max_decimal_places": "Give the estimated value to the nearest penny",
        },
    )

    class Meta:
        model = Gift
        fields = [
            "offered_on",
            "kind",
            "giver",
            "description",
            "value",
            "outcome",
            "reason",
            "internal_note",
        ]
        widgets = {"kind": forms.RadioSelect, "outcome": forms.RadioSelect}
        labels = {"internal_note": "Internal note (optional, never published)"}
        error_messages = {
            "giver": {
                "required": "Enter who made the offer",
                "max_length": "Who made the offer must be 200 characters or fewer",
            },
            "description": {
                "required": "Enter what was offered",
                "max_length": f"What was offered must be {LONG_TEXT} characters or fewer",
            },
            "outcome": {"required": "Select whether the offer was accepted or declined"},
            "kind": {"required": "Select gift or hospitality"},
            "reason": {
                "required": "Enter the reason it was accepted or declined",
                "max_length": f"The reason must be {LONG_TEXT} characters or fewer",
            },
            "internal_note": {
                "max_length": f"The internal note must be {LONG_TEXT} characters or fewer"
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Gift.Kind.choices
        self.fields["outcome"].choices = Gift.Outcome.choices
        self.helper = gds_helper(submit_label="Save offer")
        self.helper.layout = Layout(
            Field("offered_on"),
            Field.radios("kind", inline=True),
            Field.text("giver"),
            Field.textarea("description", rows=3),
            Field.text("value", field_width=10),
            Field.radios("outcome", inline=True),
            Field.textarea("reason", rows=2),
            Field.textarea("internal_note", rows=2),
        )


class ConfirmForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I confirm my register of interests is complete and up to date",
        error_messages={"required": "Confirm that your register is complete and up to date"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Confirm my register")
        self.helper.layout = Layout(Field.checkbox("confirmed"))
