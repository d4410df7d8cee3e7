"""Form pieces shared by both apps: GOV.UK date inputs and the crispy helper defaults."""

import unicodedata
from datetime import date

from crispy_forms.utils import TEMPLATE_PACK
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError

from .branding import LOGO_MAX_BYTES, validate_logo
from .models import OrganisationProfile

# Every date the app records lies well inside these years; outside them, arithmetic such as
# "the day after" would soon leave what ``datetime.date`` and the databases can hold.
MIN_YEAR = 1900
MAX_YEAR = 2100


class GovUKDateField(DateInputField):
    """A day/month/year date input with messages that say exactly what is wrong.

    Every date field of every form is one of these, so that any day, month or year a
    browser can send (20 digits, 0, 9999) ends as a field error, never as a server error.
    """

    def __init__(self, *, label: str, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR, **kwargs):
        super().__init__(label=label, **kwargs)
        self.min_year, self.max_year = min_year, max_year
        name = label.lower()
        self.error_messages["required"] = f"Enter the {name}"
        self.error_messages["incomplete"] = f"Enter the {name} as a day, month and year"

    def compress(self, data_list):
        day, month, year = data_list
        if not (day or month or year):
            return None
        if not (day and month and year):
            # An optional date half filled in is a mistake, not "no date".
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        if len(str(year)) != 4:
            raise ValidationError("Year must include 4 numbers, for example 2025")
        real_date = "Enter a real date, for example 27 3 2025"
        try:
            day, month, year = int(day), int(month), int(year)
        except (TypeError, ValueError) as exc:
            raise ValidationError(real_date) from exc
        if not self.min_year <= year <= self.max_year:
            raise ValidationError(
                f"Year must be between {self.min_year} and {self.max_year}", code="year_range"
            )
        if not (1 <= day <= 31 and 1 <= month <= 12):
            raise ValidationError(real_date)
        try:
            return date(day=day, month=month, year=year)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(real_date) from exc


def query_text(value: str, *, max_length: int) -> str:
    """A search term from a query string, safe for any database: control and format
    characters (NUL, which PostgreSQL refuses, and bidirectional overrides) are dropped."""
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    return kept.strip()[:max_length]


class GDSFormHelper(FormHelper):
    """crispy-forms-gds' helper, with its label and legend sizes given to the templates as
    GOV.UK classes for a form without a layout too (the base helper passes the bare size,
    "govuk-label s", which styles nothing; with a layout render_layout converts them)."""

    def get_attributes(self, template_pack=TEMPLATE_PACK):
        items = super().get_attributes(template_pack=template_pack)
        if self.label_size:
            items["label_size"] = Size.for_label(self.label_size)
        if self.legend_size:
            items["legend_size"] = Size.for_legend(self.legend_size)
        return items


def gds_helper(*, submit_label: str = "Save") -> FormHelper:
    """A helper rendering GOV.UK markup, labels at normal size, and one primary button."""
    helper = GDSFormHelper()
    helper.form_tag = False  # the page's template holds the <form>: never one inside another
    helper.label_size = Size.SMALL
    helper.legend_size = Size.SMALL
    helper.add_input(Submit("submit", submit_label))
    return helper


class OrganisationProfileForm(forms.ModelForm):
    """The Administrator's settings for the office: names, reference scheme, marking, and
    the branding printed on every PDF and the accessibility statement."""

    logo_file = forms.FileField(
        label="Logo",
        required=False,
        help_text=(
            f"A PNG or SVG image, up to {LOGO_MAX_BYTES // 1024 // 1024} MB. "
            "It is printed at the top of every PDF."
        ),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    accessibility_prepared_on = GovUKDateField(
        label="Date the accessibility statement was prepared", required=False
    )
    accessibility_reviewed_on = GovUKDateField(
        label="Date the accessibility statement was last reviewed", required=False
    )

    class Meta:
        model = OrganisationProfile
        fields = [
            "name",
            "short_name",
            "reference_prefix",
            "term_number",
            "reference_format",
            "default_marking",
            "address",
            "contact_email",
            "telephone",
            "accessibility_prepared_on",
            "accessibility_reviewed_on",
        ]
        widgets = {"default_marking": forms.RadioSelect, "address": forms.Textarea}
        error_messages = {
            "name": {"required": "Enter the name of the office"},
            "short_name": {"required": "Enter the short name of the office"},
            "term_number": {"required": "Enter the current term number"},
            "reference_format": {"required": "Enter the decision reference format"},
            "contact_email": {
                "invalid": "Enter an e-mail address in the correct format, like name@example.org"
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.logo = None
        self.fields["address"].max_length = 500
        self.fields["address"].error_messages["max_length"] = (
            "The postal address must be 500 characters or fewer"
        )
        self.fields["telephone"].error_messages["max_length"] = (
            "Enter a telephone number of 30 characters or fewer"
        )
        current = self.instance.logo_original_name if self.instance.logo else ""
        if current:
            self.fields[
                "logo_file"
            ].help_text += f" Current logo: {current}. Choosing a new file replaces it."
        else:
            del self.fields["remove_logo"]
        self.helper = gds_helper(submit_label="Save organisation profile")
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("short_name", field_width=10),
            Field.text("reference_prefix", field_width=10),
            Field.text("term_number", field_width=4),
            Field.text("reference_format", field_width=20),
            Field.radios("default_marking"),
            Field("logo_file", css_class="govuk-file-upload"),
            *([Field.checkbox("remove_logo")] if current else []),
            Field.textarea("address", rows=4),
            Field.text("contact_email", field_width=20),
            Field.text("telephone", field_width=20),
            Field("accessibility_prepared_on"),
            Field("accessibility_reviewed_on"),
        )

    def clean_logo_file(self):
        uploaded = self.cleaned_data.get("logo_file")
        if uploaded:
            self.logo = validate_logo(uploaded)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("logo_file") and cleaned.get("remove_logo"):
            self.add_error(
                "remove_logo", "Either choose a new logo or remove the current one, not both"
            )
        return cleaned
