"""Forms for decision records, rendered with GOV.UK Frontend markup (crispy-forms-gds)."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size
from django import forms
from django.contrib.auth import authenticate
from django.forms import BaseFormSet, formset_factory

from prevent_compliance.forms import GovUKDateField, gds_helper
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload
from toolkit.models import Section, ToolkitEdition

from .models import DECISION_FIELDS, DECLARATION, Decision, FoiExemption


def _latest_sections():
    edition = ToolkitEdition.objects.order_by("-code").first()
    return Section.objects.filter(edition=edition).order_by("number")


class DecisionForm(forms.ModelForm):
    """The header and summary of a draft (supporting sections have their own page)."""

    decision_date = GovUKDateField(label="Date")
    chief_officer_approved_on = GovUKDateField(
        label="Date of chief officer approval", required=False
    )
    foi_exemptions = forms.MultipleChoiceField(
        label="FOI exemptions relied on",
        choices=FoiExemption.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only for a partly confidential or confidential decision.",
    )
    toolkit_sections = forms.ModelMultipleChoiceField(
        label="Toolkit sections this decision concerns",
        queryset=Section.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Decision
        fields = list(DECISION_FIELDS)
        widgets = {
            "chief_officer_approval": forms.RadioSelect,
            "confidentiality": forms.RadioSelect,
        }
        labels = {
            "confidentiality": "Status",
            "chief_officer_approval": "Is chief officer approval required?",
        }
        error_messages = {
            "title": {"required": "Enter the title of the decision"},
            "summary": {"required": "Enter the decision summary"},
            "confidentiality": {"required": "Select the status of the decision"},
        }
        help_texts = {
            "lead_officer": "The officer responsible for the decision, as printed on the record.",
            "chief_officer_approver": "Only if approval was required, for example Chief Constable.",
            "withheld_parts": "Say which parts are withheld and why. Shown on the public log "
            "for a partly confidential decision.",
            "summary": "What is decided, in plain English. Always published unless the "
            "decision is confidential.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].required = True
        self.fields["lead_officer"].error_messages["required"] = "Enter the lead officer"
        self.fields["chief_officer_approval"].choices = Decision.ChiefOfficerApproval.choices
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
        self.fields["toolkit_sections"].queryset = _latest_sections()
        if self.instance.pk:
            self.initial.setdefault("toolkit_sections", list(self.instance.sections.all()))
        self.helper = gds_helper(submit_label="Save decision record")
        self.helper.layout = Layout(
            Field.text("title"),
            Field.text("lead_officer", field_width=20),
            Fieldset(
                Field.radios("chief_officer_approval", inline=True),
                Field.text("chief_officer_approver", field_width=20),
                Field("chief_officer_approved_on"),
                legend="Chief officer approval",
                legend_size=Size.MEDIUM,
            ),
            Field("decision_date"),
            Fieldset(
                Field.radios("confidentiality"),
                Field.checkboxes("foi_exemptions", small=True),
                Field.textarea("withheld_parts", rows=3),
                legend="Publication",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("summary", rows=8),
            Field.checkboxes("toolkit_sections", small=True),
        )

    def clean(self):
        cleaned = super().clean()
        confidentiality = cleaned.get("confidentiality")
        if confidentiality == Decision.Confidentiality.NON_CONFIDENTIAL:
            cleaned["foi_exemptions"] = []
        return cleaned

    def _post_clean(self):
        # Model validation needs the list of exemptions, which the ModelForm does not copy.
        self.instance.foi_exemptions = self.cleaned_data.get("foi_exemptions", [])
        super()._post_clean()

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        values = {name: data[name] for name in self.Meta.fields}
        if values["chief_officer_approval"] == Decision.ChiefOfficerApproval.NOT_REQUIRED:
            values["chief_officer_approver"] = ""
            values["chief_officer_approved_on"] = None
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
    signatory_name = forms.CharField(
        label="Your name as it appears on the signature",
        max_length=200,
        error_messages={"required": "Enter your name as it appears on the signature"},
        help_text="For example P. Seccombe.",
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
            Field.text("signatory_name", field_width=20),
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
