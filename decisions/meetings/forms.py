"""Forms for meetings, the forward plan and the publication links (GOV.UK markup)."""

import re
from datetime import datetime, time

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from decisions.models import WORKFLOW_EXEMPTIONS, Decision
from prevent_compliance.forms import MAX_YEAR, MIN_YEAR, GovUKDateField, gds_helper
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload
from toolkit import selectors as toolkit_selectors
from toolkit.forms import UserChoiceField, staff_users
from toolkit.models import Criterion, Evidence, Section

from .models import (
    AgendaItem,
    Board,
    ForwardPlanEntry,
    Meeting,
    MeetingDocument,
    PublicationLink,
)

TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
EXEMPTION_CHOICES = [("", "Select an exemption"), *WORKFLOW_EXEMPTIONS]
YES_NO = [(True, "Yes"), (False, "No")]


def _yes_no(value) -> bool:
    return value in (True, "True", "true", "1")


class BoardForm(forms.ModelForm):
    class Meta:
        model = Board
        fields = ["name", "description", "active"]
        labels = {"description": "Purpose (optional)", "active": "The board still meets"}
        error_messages = {
            "name": {
                "required": "Enter the board's name",
                "unique": "Another board has this name",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Save board")
        self.helper.layout = Layout(
            Field.text("name"), Field.textarea("description", rows=3), Field.checkbox("active")
        )


class MeetingForm(forms.ModelForm):
    day = GovUKDateField(label="Date of the meeting", min_year=2000)
    start_time = forms.CharField(
        label="Start time",
        max_length=5,
        help_text="24-hour clock, for example 10:00 or 14:30",
        error_messages={"required": "Enter the start time, for example 10:00"},
    )
    is_public = forms.TypedChoiceField(
        label="Is the meeting open to the public?",
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the meeting is open to the public"},
    )

    class Meta:
        model = Meeting
        fields = ["board", "title", "place", "is_public", "significant_public_interest"]
        labels = {
            "title": "Title (optional)",
            "significant_public_interest": "A private meeting that discussed matters of "
            "significant public interest",
        }
        error_messages = {
            "board": {"required": "Select the board that met"},
            "place": {"required": "Enter where the meeting takes place"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = Board.objects.filter(active=True) | Board.objects.filter(
            pk=self.instance.board_id or 0
        )
        self.fields["board"].empty_label = "Select a board"
        if self.instance.pk:
            local = timezone.localtime(self.instance.starts_at)
            self.initial.setdefault("day", local.date())
            self.initial.setdefault("start_time", local.strftime("%H:%M"))
        self.helper = gds_helper(submit_label="Save meeting")
        self.helper.layout = Layout(
            Field("board"),
            Field.text("title"),
            Field("day"),
            Field.text("start_time", field_width=5),
            Field.text("place"),
            Field.radios("is_public", inline=True),
            Field.checkbox("significant_public_interest"),
        )

    def clean_start_time(self) -> time:
        match = TIME_PATTERN.match(self.cleaned_data["start_time"].strip())
        if not match:
            raise forms.ValidationError("Enter the start time as hours and minutes, like 14:30")
        return time(int(match[1]), int(match[2]))

    def _post_clean(self):
        pass  # the service validates the meeting (full_clean) when it saves

    def values(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["starts_at"] = self.starts_at()
        return data

    def starts_at(self) -> datetime:
        day, at = self.cleaned_data["day"], self.cleaned_data["start_time"]
        return timezone.make_aware(datetime.combine(day, at))


class AgendaItemForm(forms.ModelForm):
    exemption = forms.ChoiceField(
        label="FOI exemption (if withheld)", choices=EXEMPTION_CHOICES, required=False
    )

    class Meta:
        model = AgendaItem
        fields = ["number", "title", "withheld", "exemption"]
        labels = {"number": "Item number"}
        error_messages = {
            "number": {
                "required": "Enter the item number",
                "invalid": "Enter the item number as a whole number, like 3",
                "min_value": "The item number must be 1 or more",
                "max_value": "The item number must be 999 or less",
            },
            "title": {"required": "Enter the item's title"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Save item")
        self.helper.layout = Layout(
            Field.text("number", field_width=3),
            Field.text("title"),
            Field.checkbox("withheld"),
            Field("exemption"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("withheld") and not cleaned.get("exemption"):
            self.add_error("exemption", "Select the FOI exemption the withheld item relies on")
        if not cleaned.get("withheld") and cleaned.get("exemption"):
            self.add_error("exemption", "Only a withheld item names an exemption: remove it")
        return cleaned

    def _post_clean(self):
        # The meeting's uniqueness and the exemption are the service's (and database's) checks.
        pass


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is the paper?",
        choices=MeetingDocument.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the paper is"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter the paper's title"},
    )
    agenda_item = forms.ModelChoiceField(
        label="Agenda item (optional)",
        queryset=AgendaItem.objects.none(),
        required=False,
        help_text="A report of a withheld item is withheld with it.",
    )
    upload = forms.FileField(
        label="File",
        help_text=f"{ALLOWED_DESCRIPTION}.",
        error_messages={"required": "Choose the file to upload"},
    )
    withheld = forms.BooleanField(label="Withhold this paper from publication", required=False)
    exemption = forms.ChoiceField(
        label="FOI exemption (if withheld)", choices=EXEMPTION_CHOICES, required=False
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_info = None
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()
        self.fields["agenda_item"].empty_label = "Not for one item"
        self.helper = gds_helper(submit_label="Upload paper")
        self.helper.layout = Layout(
            Field.radios("kind"),
            Field.text("title"),
            Field("agenda_item"),
            Field("upload"),
            Field.checkbox("withheld"),
            Field("exemption"),
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.upload_info = validate_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("withheld") and not cleaned.get("exemption"):
            self.add_error("exemption", "Select the FOI exemption the withheld paper relies on")
        if not cleaned.get("withheld") and cleaned.get("exemption"):
            self.add_error("exemption", "Only a withheld paper names an exemption: remove it")
        return cleaned


class AttendeeForm(forms.Form):
    name = forms.CharField(label="Name as published", max_length=200, required=False)
    role = forms.CharField(
        label="Role (optional)",
        max_length=200,
        required=False,
        help_text="For example Chair, Chief Constable, Treasurer.",
    )
    user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Or a user of this service",
        help_text="Their name is used when no name is entered.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users()
        self.fields["user"].empty_label = "No account"
        self.helper = gds_helper(submit_label="Add attendee")
        self.helper.layout = Layout(Field.text("name"), Field.text("role"), Field("user"))

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or "").strip() and not cleaned.get("user"):
            self.add_error("name", "Enter the attendee's name, or choose a user")
        return cleaned


class DecisionLinkForm(forms.Form):
    reference = forms.CharField(
        label="Decision reference",
        max_length=50,
        help_text="For example WPCC4-0028",
        error_messages={"required": "Enter the reference of the decision"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Link decision")
        self.helper.layout = Layout(Field.text("reference", field_width=20))


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.title}"


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.text[:90]}"


class EvidenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.effective_date:%d %b %Y})"


class EvidenceLinkForm(forms.Form):
    section = SectionChoiceField(
        label="Toolkit section", queryset=Section.objects.none(), required=False
    )
    criterion = CriterionChoiceField(
        label="Criterion (optional)", queryset=Criterion.objects.none(), required=False
    )
    evidence = EvidenceChoiceField(
        label="Or link evidence already recorded",
        queryset=Evidence.objects.none(),
        required=False,
        help_text="Instead of a new copy: the evidence item this paper already is.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = toolkit_selectors.current_edition_sections(toolkit_selectors.current_period())
        self.fields["section"].queryset = sections
        self.fields["section"].empty_label = "Select a section"
        self.fields["criterion"].queryset = (
            Criterion.objects.filter(section__in=sections)
            .select_related("section")
            .order_by("section__number", "number")
        )
        self.fields["criterion"].empty_label = "The whole section"
        self.fields["evidence"].queryset = Evidence.objects.filter(
            pk__in=[e.pk for e in _recent_evidence()]
        ).order_by("-effective_date", "-pk")
        self.fields["evidence"].empty_label = "Create new evidence from this paper"
        self.helper = gds_helper(submit_label="Link as evidence")
        self.helper.layout = Layout(Field("section"), Field("criterion"), Field("evidence"))

    def clean(self):
        cleaned = super().clean()
        section, criterion = cleaned.get("section"), cleaned.get("criterion")
        if cleaned.get("evidence"):
            return cleaned
        if not section:
            self.add_error("section", "Select the toolkit section, or evidence already recorded")
        elif criterion and criterion.section_id != section.pk:
            self.add_error("criterion", "Choose a criterion of the section you selected")
        return cleaned


def _recent_evidence():
    from .selectors import linkable_evidence

    return list(linkable_evidence())


MONTHS = [("", "Select a month")] + [
    (str(n), name)
    for n, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
]


class PlanEntryForm(forms.ModelForm):
    expected_month = forms.TypedChoiceField(
        label="Month",
        choices=MONTHS,
        coerce=int,
        error_messages={
            "required": "Select the month the decision is expected",
            "invalid_choice": "Select a month from the list",
        },
    )
    expected_year = forms.IntegerField(
        label="Year",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "required": "Enter the year the decision is expected",
            "invalid": "Enter the year as 4 digits, like 2026",
            "min_value": f"The year must be {MIN_YEAR} or later",
            "max_value": f"The year must be {MAX_YEAR} or earlier",
        },
    )
    decision_reference = forms.CharField(
        label="Reference of the decision taken (optional)",
        max_length=50,
        required=False,
        help_text="When the decision has been taken, for example WPCC4-0031.",
    )

    class Meta:
        model = ForwardPlanEntry
        fields = [
            "title",
            "summary",
            "expected_month",
            "expected_year",
            "decision_maker",
            "expected_confidential",
            "public_subject",
            "status",
            "status_reason",
        ]
        widgets = {"decision_maker": forms.RadioSelect, "status": forms.RadioSelect}
        labels = {"summary": "Summary (optional)", "status_reason": "Reason (optional)"}
        help_texts = {"status_reason": "Needed when the decision is deferred or withdrawn."}
        error_messages = {
            "title": {"required": "Enter the title of the expected decision"},
            "decision_maker": {"required": "Select who is expected to take the decision"},
            "status": {"required": "Select what became of the entry"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_maker"].choices = Decision.DecisionMaker.choices
        self.fields["status"].choices = ForwardPlanEntry.Status.choices
        if self.instance.pk and self.instance.decision_id:
            self.initial.setdefault("decision_reference", self.instance.decision.reference)
        if self.instance.pk:
            self.initial.setdefault("expected_month", str(self.instance.expected_month))
        self.helper = gds_helper(submit_label="Save entry")
        self.helper.layout = Layout(
            Field.text("title"),
            Field.textarea("summary", rows=4),
            Field("expected_month"),
            Field.text("expected_year", field_width=4),
            Field.radios("decision_maker"),
            Field.checkbox("expected_confidential"),
            Field.text("public_subject", field_width=20),
            Field.radios("status"),
            Field.textarea("status_reason", rows=3),
            Field.text("decision_reference", field_width=20),
        )

    def clean(self):
        cleaned = super().clean()
        reference = (cleaned.get("decision_reference") or "").strip()
        self.decision = None
        if reference:
            matches = list(Decision.objects.filter(reference=reference)[:2])
            if len(matches) != 1:
                self.add_error(
                    "decision_reference", "No single decision has this reference: check it"
                )
            else:
                self.decision = matches[0]
        elif self.instance.pk and self.instance.decision_id and not reference:
            self.decision = None
        if cleaned.get("status") == ForwardPlanEntry.Status.TAKEN and not reference:
            self.add_error(
                "decision_reference", "Enter the reference of the decision that was taken"
            )
        if (
            cleaned.get("expected_confidential")
            and not (cleaned.get("public_subject") or "").strip()
        ):
            self.add_error(
                "public_subject",
                "Enter the general subject the public plan shows for a confidential entry",
            )
        if (
            cleaned.get("status") in ForwardPlanEntry.REASON_STATES
            and not (cleaned.get("status_reason") or "").strip()
        ):
            self.add_error("status_reason", "Enter why the decision was deferred or withdrawn")
        return cleaned

    def _post_clean(self):
        pass  # the service validates the whole entry (full_clean) when it saves

    def values(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["decision"] = self.decision
        return data


class PublicationLinkForm(forms.ModelForm):
    url = forms.URLField(
        label="Address (https only)",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="The page or document on the office's website. Leave empty for "
        "“Not yet published”.",
        error_messages={"invalid": "Enter a web address starting https://"},
    )

    class Meta:
        model = PublicationLink
        fields = ["url", "note"]
        labels = {"note": "Note (optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Save address")
        self.helper.layout = Layout(Field.text("url"), Field.text("note"))

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError("Enter a web address starting https://")
        return url

    def _post_clean(self):
        pass  # validated by the service, which also removes an empty address
