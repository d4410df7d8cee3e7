"""The annual review's submission page: the FOI question the person submitting answers.

The app suggests an exemption when the period's evidence is marked OFFICIAL-SENSITIVE
(``annual_review.suggested_exemption``); only the person submitting decides.
"""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Layout
from django import forms

from prevent_compliance.forms import gds_helper

from .annual_review import NO_EXEMPTION, ExemptionChoice, ExemptionSuggestion
from .models import FoiExemption

NO, YES = "no", "yes"


class _Reveal(ConditionalQuestion):
    """aria-controls only on the choice that reveals something."""

    template = "toolkit/partials/conditional_question.html"


class ReviewSubmitForm(forms.Form):
    exemption_applies = forms.ChoiceField(
        label="Does an FOI exemption apply to the review report?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether an FOI exemption applies to the report"},
    )
    exemption = forms.ChoiceField(
        label="Exemption relied on",
        required=False,
        choices=[("", "Choose an exemption")]
        + [(e.value, e.label) for e in FoiExemption if e.value not in ("other", "not_stated")],
    )
    exemption_reason = forms.CharField(
        label="Why the exemption applies",
        widget=forms.Textarea,
        required=False,
        help_text="For a qualified exemption, say what disclosure would prejudice and why the "
        "public interest favours withholding. This is recorded on the decision.",
    )

    def __init__(self, *args, suggestion: ExemptionSuggestion | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exemption_applies"].choices = [
            Choice(NO, "No: the report is published with the decision"),
            Choice(YES, "Yes: withhold the report under an exemption"),
        ]
        if suggestion is not None:
            self.fields["exemption_applies"].help_text = f"Suggestion: {suggestion.text}"
            self.fields["exemption"].initial = suggestion.exemption
        self.helper = gds_helper(submit_label="Submit the annual review")
        self.helper.layout = Layout(
            ConditionalRadios(
                "exemption_applies",
                _Reveal("No: the report is published with the decision"),
                _Reveal(
                    "Yes: withhold the report under an exemption",
                    Field.select("exemption"),
                    Field.textarea("exemption_reason", rows=4),
                ),
            )
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("exemption_applies") == YES:
            if not cleaned.get("exemption"):
                self.add_error("exemption", "Choose the exemption the report is withheld under")
            if not cleaned.get("exemption_reason", "").strip():
                self.add_error(
                    "exemption_reason", "Say why the exemption applies to the review report"
                )
        return cleaned

    def choice(self) -> ExemptionChoice:
        if self.cleaned_data["exemption_applies"] != YES:
            return NO_EXEMPTION
        return ExemptionChoice(
            exemptions=(self.cleaned_data["exemption"],),
            reason=self.cleaned_data["exemption_reason"],
        )
