"""Forms for decision records, rendered with GOV.UK Frontend markup (crispy-forms-gds)."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseFormSet, formset_factory

from prevent_compliance.forms import GovUKDateField, gds_helper
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload
from toolkit import selectors as toolkit_selectors
from toolkit.models import Section

from .models import (
    DECISION_FIELDS,
    DECLARATION,
    EXEMPTION_KINDS,
    WORKFLOW_EXEMPTIONS,
    Decision,
    ExemptionKind,
)


def _latest_sections():
    """The sections of the edition the current review period is assessed against (the newest
    edition when no period is open), so a decision lands in the annual review that needs it."""
    return toolkit_selectors.current_edition_sections(toolkit_selectors.current_period())


class _Reveal(ConditionalQuestion):
    """A radio that reveals fields (GOV.UK Frontend 5 markup: templates/decisions/layout)."""

    template = "decisions/layout/conditional_question.html"


def exemption_choices() -> list[Choice]:
    """Every exemption of the Act a record made here may rely on, each marked absolute or
    qualified (section 2(3) of the Act)."""
    hints = {
        ExemptionKind.ABSOLUTE: "Absolute exemption.",
        ExemptionKind.QUALIFIED: "Qualified exemption: subject to the public interest test.",
        ExemptionKind.ABSOLUTE_IN_PART: "Absolute in part, otherwise qualified.",
    }
    return [
        Choice(code, label, hint=hints.get(EXEMPTION_KINDS.get(code, ""), ""))
        for code, label in WORKFLOW_EXEMPTIONS
    ]


class DecisionForm(forms.ModelForm):
    """The header and summary of a draft (supporting sections have their own page).

    Chief officer approval and the exemptions are conditional radios: the approver and date
    are revealed under "Required", the exemptions (and, for a partly confidential record,
    the withheld parts) under the status that needs them. Without script every field is
    shown; the server keeps only those of the chosen answer.
    """

    decision_date = GovUKDateField(label="Date")
    chief_officer_approved_on = GovUKDateField(
        label="Date of chief officer approval", required=False
    )
    forum_date = GovUKDateField(label="Date of the meeting", required=False)
    financial_value = forms.DecimalField(
        label="Financial value (optional)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="In pounds, for example 25000 or 1250.50.",
        error_messages={
            "invalid": "Enter the financial value as a number of pounds, like 1250.50",
            "min_value": "The financial value must be £0 or more",
            "max_digits": "The financial value must be less than £10,000,000,000",
            "max_decimal_places": "Give the financial value to the nearest penny",
            "max_whole_digits": "The financial value must be less than £10,000,000,000",
        },
    )
    exemptions_partly = forms.MultipleChoiceField(
        label="FOI exemptions relied on for the withheld parts",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    exemptions_confidential = forms.MultipleChoiceField(
        label="FOI exemptions relied on",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    toolkit_sections = forms.ModelMultipleChoiceField(
        label="Toolkit sections this decision concerns",
        queryset=Section.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Decision
        fields = [name for name in DECISION_FIELDS if name != "foi_exemptions"]
        widgets = {
            "chief_officer_approval": forms.RadioSelect,
            "confidentiality": forms.RadioSelect,
            "decision_maker": forms.RadioSelect,
        }
        labels = {
            "confidentiality": "Status",
            "chief_officer_approval": "Is chief officer approval required?",
            "decision_maker": "Who makes the decision?",
            "decision_maker_name": "Name of the decision maker (optional)",
            "forum": "Approving forum (optional)",
            "lead_officer": "Lead officer",
        }
        error_messages = {
            "title": {"required": "Enter the title of the decision"},
            "summary": {"required": "Enter the decision summary"},
            "confidentiality": {"required": "Select the status of the decision"},
            "chief_officer_approval": {
                "required": "Select whether chief officer approval is required"
            },
        }
        help_texts = {
            "lead_officer": "The officer responsible for the decision, as printed on the record.",
            "chief_officer_approver": "For example Chief Constable.",
            "decision_maker_name": "As it is printed on the record, for example the name of "
            "the officer who decides under delegated authority.",
            "forum": "The meeting that approved the decision, for example Accountability Board.",
            "withheld_parts": "Say which parts are withheld and why. Shown on the public log.",
            "summary": "What is decided, in plain English. Always published unless the "
            "decision is confidential.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].required = True
        self.fields["lead_officer"].error_messages["required"] = "Enter the lead officer"
        self.fields["chief_officer_approval"].choices = [
            (Decision.ChiefOfficerApproval.REQUIRED, "Required"),
            (Decision.ChiefOfficerApproval.NOT_REQUIRED, "Not required"),
        ]
        self.fields["decision_maker"].choices = [
            Choice(value, label) for value, label in Decision.DecisionMaker.choices
        ]
        self.fields["decision_maker"].required = False
        self.fields["confidentiality"].choices = [
            Choice(
                Decision.Confidentiality.NON_CONFIDENTIAL,
                "Non-confidential",
                hint="Everything is published.",
            ),
            Choice(
                Decision.Confidentiality.PARTLY_CONFIDENTIAL,
                "Partly confidential",
                hint="Published, except the sections and appendices marked as withheld.",
            ),
            Choice(
                Decision.Confidentiality.CONFIDENTIAL,
                "Confidential",
                hint="Only the reference, title, date and exemption are published.",
            ),
        ]
        for name in ("exemptions_partly", "exemptions_confidential"):
            self.fields[name].choices = exemption_choices()
            self.fields[name].error_messages["invalid_choice"] = "Choose exemptions from the list"
        if self.instance.pk and not self.is_bound:
            codes = list(self.instance.foi_exemptions)
            if self.instance.confidentiality == Decision.Confidentiality.CONFIDENTIAL:
                self.initial["exemptions_confidential"] = codes
            elif self.instance.confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL:
                self.initial["exemptions_partly"] = codes
        self.fields["toolkit_sections"].queryset = _latest_sections()
        if self.instance.pk:
            self.initial.setdefault("toolkit_sections", list(self.instance.sections.all()))
        self.helper = gds_helper(submit_label="Save decision record")
        self.helper.layout = Layout(
            Field.text("title"),
            Field.text("lead_officer", field_width=20),
            Fieldset(
                Field.radios("decision_maker", small=True),
                Field.text("decision_maker_name", field_width=20),
                legend="Decision maker",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                ConditionalRadios(
                    "chief_officer_approval",
                    _Reveal(
                        "Required",
                        Field.text("chief_officer_approver", field_width=20),
                        Field("chief_officer_approved_on"),
                    ),
                    _Reveal("Not required"),
                ),
                legend="Chief officer approval",
                legend_size=Size.MEDIUM,
            ),
            Field("decision_date"),
            Fieldset(
                Field.text("forum", field_width=20),
                Field("forum_date"),
                Field.text("financial_value", field_width=10),
                legend="Approval and value",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                ConditionalRadios(
                    "confidentiality",
                    _Reveal("Non-confidential"),
                    _Reveal(
                        "Partly confidential",
                        Field.checkboxes("exemptions_partly", small=True),
                        Field.textarea("withheld_parts", rows=3),
                    ),
                    _Reveal(
                        "Confidential", Field.checkboxes("exemptions_confidential", small=True)
                    ),
                ),
                legend="Publication",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("summary", rows=8),
            Field.checkboxes("toolkit_sections", small=True),
        )

    def clean(self):
        """Keep only the answers of the chosen radios, whatever else was posted (a browser
        without script shows and sends every revealed field)."""
        cleaned = super().clean()
        confidentiality = cleaned.get("confidentiality")
        if confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL:
            codes, field = cleaned.get("exemptions_partly", []), "exemptions_partly"
        elif confidentiality == Decision.Confidentiality.CONFIDENTIAL:
            codes, field = cleaned.get("exemptions_confidential", []), "exemptions_confidential"
            cleaned["withheld_parts"] = ""
        else:
            codes, field = [], None
            cleaned["withheld_parts"] = ""
        cleaned["foi_exemptions"] = list(codes)
        self._exemptions_field = field
        if cleaned.get("chief_officer_approval") == Decision.ChiefOfficerApproval.NOT_REQUIRED:
            cleaned["chief_officer_approver"] = ""
            cleaned["chief_officer_approved_on"] = None
        return cleaned

    def _post_clean(self):
        # Model validation needs the list of exemptions, which the ModelForm does not copy;
        # its errors belong beside the checkboxes of the chosen status.
        self.instance.foi_exemptions = self.cleaned_data.get("foi_exemptions", [])
        for name in ("chief_officer_approver", "chief_officer_approved_on", "withheld_parts"):
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()

    def _field_for(self, name):
        if name == "foi_exemptions":
            return getattr(self, "_exemptions_field", None) or "confidentiality"
        return name if name in self.fields else NON_FIELD_ERRORS

    def add_error(self, field, error):
        """The model's errors on the exemptions go beside the checkboxes of the chosen
        status; errors on fields this form does not show go at the top."""
        if field is not None:
            field = self._field_for(field)
            field = None if field == NON_FIELD_ERRORS else field
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            moved: dict[str, list] = {}
            for name, errors in error.error_dict.items():
                moved.setdefault(self._field_for(name), []).extend(errors)
            error = ValidationError(moved)
        super().add_error(field, error)

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        values = {name: data[name] for name in DECISION_FIELDS}
        values["toolkit_sections"] = list(data["toolkit_sections"])
        return values


class SupportingSectionForm(forms.Form):
    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    heading = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    withheld = forms.BooleanField(
        label="Withhold this section from publication",
        required=False,
        help_text="Only for a partly confidential decision.",
    )
    remove = forms.BooleanField(label="Remove this section", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper()
        self.helper.inputs = []
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("pk"),
            Field.text("heading"),
            Field.textarea("body", rows=6),
            Field.checkbox("withheld", small=True),
            Field.checkbox("remove", small=True),
        )

    def clean(self):
        cleaned = super().clean()
        has_text = cleaned.get("body", "").strip()
        if not cleaned.get("heading", "").strip() and has_text and not cleaned.get("remove"):
            self.add_error("heading", "Enter a heading for this section")
        return cleaned

    @property
    def is_blank_new(self) -> bool:
        data = self.cleaned_data
        return not data.get("pk") and not data.get("heading") and not data.get("body")


class BaseSupportingSectionFormSet(BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # An existing section is always validated and kept, even if the posted count of
        # initial forms is wrong; only the blank form at the end may be left empty.
        if i < len(self.initial or []):
            kwargs["empty_permitted"] = False
        return super()._construct_form(i, **kwargs)


SupportingSectionFormSet = formset_factory(
    SupportingSectionForm, formset=BaseSupportingSectionFormSet, extra=1
)


class AppendixForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter the title of the appendix"},
        help_text="As listed in the record, for example “Prevent: OPCC Standard Operating "
        "Procedure”.",
    )
    upload = forms.FileField(label="File", error_messages={"required": "Choose a file"})
    withheld = forms.BooleanField(
        label="Withhold this appendix from publication",
        required=False,
        help_text="Only for a partly confidential decision.",
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_info = None
        self.fields["upload"].help_text = f"{ALLOWED_DESCRIPTION}, up to {max_mb} MB."
        self.helper = gds_helper(submit_label="Add appendix")
        self.helper.layout = Layout(
            Field.text("title"), Field("upload"), Field.checkbox("withheld", small=True)
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.upload_info = validate_upload(upload)
        return upload


class CommentForm(forms.Form):
    comments = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].label = label
        self.fields["comments"].error_messages["required"] = f"Enter the {label.lower()}"
        self.helper = gds_helper(submit_label="Save comments")
        self.helper.layout = Layout(Field.textarea("comments", label_size=Size.MEDIUM, rows=8))


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, label: str, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = f"Enter the {label.lower()}"
        self.helper = gds_helper(submit_label=submit_label)
        self.helper.layout = Layout(Field.textarea("reason", label_size=Size.MEDIUM, rows=5))


LOCKED_OUT = (
    "Too many wrong passwords: you cannot sign decisions or sign in for a while. "
    "Nothing was signed."
)


class SignForm(forms.Form):
    declaration = forms.BooleanField(
        label=DECLARATION,
        error_messages={"required": "Confirm the declaration of interests to sign"},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to sign"},
        help_text="Re-enter your password to confirm it is you signing.",
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.locked_out = False
        self.helper = gds_helper(submit_label="Sign decision")
        self.helper.layout = Layout(
            Fieldset(
                Field.checkbox("declaration"),
                legend="Declaration of interests",
                legend_size=Size.MEDIUM,
            ),
            HTML(
                '<p class="govuk-body" data-testid="signs-as">You sign as '
                "<strong>{{ request.user.get_full_name|default:request.user.get_username }}"
                "</strong>, the name of your account.</p>"
            ),
            Field("password", css_class="govuk-input govuk-!-width-one-half"),
        )

    def clean_password(self):
        """Check the password as sign-in does, so wrong ones count towards the same lockout
        (django-axes, per username and address) and a locked-out pair cannot sign."""
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if getattr(self.request, "axes_locked_out", False):
            self.locked_out = True
            raise forms.ValidationError(LOCKED_OUT, code="locked_out")
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError("The password is not correct", code="wrong_password")
        return password


class ReleaseForm(forms.Form):
    """Later release of withheld content: the whole record, or the chosen withheld parts."""

    scope = forms.ChoiceField(
        label="What is released?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the whole record or part is released"},
    )
    sections = forms.TypedMultipleChoiceField(
        label="Withheld sections released",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    appendices = forms.MultipleChoiceField(
        label="Withheld appendices released",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    summary = forms.BooleanField(label="The decision summary", required=False)
    text = forms.CharField(
        label="Other information released (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Released information that is not a whole section or appendix, as published.",
    )
    released_on = GovUKDateField(label="Date of release")
    reason = forms.CharField(
        label="Reason for the release",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason for releasing the information"},
        help_text="For example: the exemption no longer applies after the contract ended.",
    )

    def __init__(self, *args, decision: Decision, releasable: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["scope"].choices = [
            Choice("whole", "The whole record", hint="Everything still withheld is released."),
            Choice("part", "Part of the record", hint="Choose the withheld parts released."),
        ]
        self.fields["sections"].choices = [
            (s.position, f"{s.position}. {s.heading}") for s in releasable["sections"]
        ]
        self.fields["appendices"].choices = [
            (str(a.public_id), f"Appendix {a.position}: {a.title}")
            for a in releasable["appendices"]
        ]
        part_fields = []
        if releasable["summary"]:
            part_fields.append(Field.checkbox("summary", small=True))
        if releasable["sections"]:
            part_fields.append(Field.checkboxes("sections", small=True))
        if releasable["appendices"]:
            part_fields.append(Field.checkboxes("appendices", small=True))
        part_fields.append(Field.textarea("text", rows=4))
        self.helper = gds_helper(submit_label="Continue")
        self.helper.layout = Layout(
            ConditionalRadios(
                "scope",
                _Reveal("The whole record"),
                _Reveal("Part of the record", *part_fields),
            ),
            Field("released_on"),
            Field.textarea("reason", rows=4),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "whole":  # the revealed answers of "part" do not count
            cleaned["sections"], cleaned["appendices"], cleaned["summary"] = [], [], False
        return cleaned

    def release_input(self):
        from .services import ReleaseInput

        data = self.cleaned_data
        return ReleaseInput(
            scope=data["scope"],
            released_on=data["released_on"],
            reason=data["reason"],
            section_positions=tuple(data.get("sections") or ()),
            appendix_ids=tuple(data.get("appendices") or ()),
            summary=bool(data.get("summary")),
            text=data.get("text", ""),
        )

    def summary_rows(self) -> list[tuple[str, str]]:
        """The answers, for the check page."""
        data = self.cleaned_data
        labels = dict(self.fields["sections"].choices)
        appendix_labels = dict(self.fields["appendices"].choices)
        if data["scope"] == "whole":
            what = "The whole record: everything still withheld"
        else:
            parts = [labels[n] for n in data.get("sections") or []]
            parts += [appendix_labels[a] for a in data.get("appendices") or []]
            if data.get("summary"):
                parts.insert(0, "The decision summary")
            if data.get("text"):
                parts.append("Other information (as written)")
            what = "; ".join(parts)
        released_on = data["released_on"]
        return [
            ("Decision", f"{self.decision.reference} – {self.decision.title}"),
            ("Released", what),
            ("Date of release", f"{released_on.day} {released_on:%B %Y}"),
            ("Reason", data["reason"]),
        ]
