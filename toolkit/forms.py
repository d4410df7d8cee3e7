"""Forms for toolkit records, rendered with GOV.UK Frontend markup (crispy-forms-gds)."""

import django_filters
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from prevent_compliance.forms import GovUKDateField, gds_helper
from prevent_compliance.models import SecurityMarking
from prevent_compliance.roles import Role
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload

from .models import RATING_MEANINGS, Action, Criterion, Evidence, GuidanceUpdate, Rating, Section


def staff_users():
    """Active users who hold any role: the people who can own an action."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class CriterionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.text}"


class VersionField(forms.IntegerField):
    """The version of the record the form was opened on, to refuse saving over a newer one."""

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, widget=forms.HiddenInput, **kwargs)


class EvidenceForm(forms.ModelForm):
    version = VersionField()
    upload = forms.FileField(
        label="File",
        required=False,
        help_text="",
    )
    effective_date = GovUKDateField(label="Effective date")
    review_by = GovUKDateField(label="Review-by date", required=False)
    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one section this evidence supports"},
    )
    criteria = CriterionMultipleChoiceField(
        queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional: the specific criteria this evidence shows are met.",
    )

    class Meta:
        model = Evidence
        fields = [
            "title",
            "description",
            "kind",
            "upload",
            "url",
            "effective_date",
            "review_by",
            "marking",
            "sections",
            "criteria",
        ]
        widgets = {"kind": forms.RadioSelect, "marking": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Enter a title for the evidence"},
            "kind": {"required": "Select what kind of evidence this is"},
            "url": {"invalid": "Enter a web address in the correct format, like https://…"},
        }
        help_texts = {
            "url": "Use this instead of a file when the evidence is a web page.",
            "marking": "OFFICIAL-SENSITIVE material must not be published.",
        }

    def __init__(self, *args, edition, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else None
        self.upload_info = None
        self.fields["kind"].choices = Evidence.Kind.choices
        self.fields["marking"].choices = SecurityMarking.choices
        self.fields["sections"].queryset = Section.objects.filter(edition=edition)
        self.fields["criteria"].queryset = Criterion.objects.filter(
            section__edition=edition
        ).select_related("section")
        self.fields[
            "upload"
        ].help_text = (
            f"{ALLOWED_DESCRIPTION}, up to {max_mb} MB. Leave empty if you give a web address."
        )
        if self.instance.pk and self.instance.file:
            self.fields["upload"].help_text += (
                f" Current file: {self.instance.original_filename}. "
                "Choosing a new file replaces it (the old one stays in the history)."
            )
        self.helper = gds_helper(submit_label="Save evidence")
        self.helper.layout = Layout(
            Field("version"),
            Field.text("title"),
            Field.textarea("description", rows=4),
            Field.radios("kind"),
            Field("upload"),
            Field.text("url"),
            Field("effective_date"),
            Field("review_by"),
            Field.radios("marking"),
            Field.checkboxes("sections", small=True),
            Field.checkboxes("criteria", small=True),
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.upload_info = validate_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("upload")) or bool(self.instance.pk and self.instance.file)
        new_file, url = cleaned.get("upload"), cleaned.get("url")
        if new_file and url:
            self.add_error("url", "Give either a file or a web address, not both")
        elif not has_file and not url and "upload" not in self.errors:
            self.add_error("upload", "Choose a file or give a web address")
        effective, review_by = cleaned.get("effective_date"), cleaned.get("review_by")
        if effective and review_by and review_by < effective:
            self.add_error("review_by", "The review-by date must be on or after the effective date")
        sections, criteria = cleaned.get("sections"), cleaned.get("criteria")
        if sections is not None and criteria:
            section_ids = {s.pk for s in sections}
            if any(c.section_id not in section_ids for c in criteria):
                self.add_error("criteria", "Each criterion must belong to a section you selected")
        return cleaned


class ActionForm(forms.ModelForm):
    version = VersionField()
    owner = UserChoiceField(
        queryset=get_user_model().objects.none(),
        error_messages={"required": "Select who owns this action"},
    )
    due_date = GovUKDateField(label="Due date")
    completed_on = GovUKDateField(
        label="Completion date",
        required=False,
    )

    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "section",
            "criterion",
            "owner",
            "due_date",
            "priority",
            "status",
            "completed_on",
            "progress_notes",
        ]
        widgets = {"priority": forms.RadioSelect, "status": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Enter a title for the action"},
            "section": {"required": "Select the section this action is for"},
        }
        help_texts = {"criterion": "Optional: must belong to the section above."}

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else None
        self.fields["owner"].queryset = staff_users()
        self.fields["section"].queryset = Section.objects.filter(edition=edition)
        self.fields["section"].empty_label = "Select a section"
        self.fields["criterion"].queryset = Criterion.objects.filter(
            section__edition=edition
        ).select_related("section")
        self.fields["criterion"].label_from_instance = lambda c: f"{c.code} {c.text[:90]}"
        self.fields["criterion"].empty_label = "None"
        self.fields["priority"].choices = Action.Priority.choices
        self.fields["status"].choices = Action.Status.choices
        self.fields["completed_on"].help_text = "Leave empty to use today's date when marked done."
        self.helper = gds_helper(submit_label="Save action")
        self.helper.layout = Layout(
            Field("version"),
            Field.text("title"),
            Field.textarea("description", rows=4),
            Field.select("section"),
            Field.select("criterion"),
            Field.select("owner"),
            Field("due_date"),
            Field.radios("priority", inline=True),
            Field.radios("status"),
            Field("completed_on"),
            Field.textarea("progress_notes", rows=5),
        )

    def clean(self):
        cleaned = super().clean()
        section, criterion = cleaned.get("section"), cleaned.get("criterion")
        if section and criterion and criterion.section_id != section.pk:
            self.add_error("criterion", "Choose a criterion from the selected section, or none")
        done = cleaned.get("status") == Action.Status.DONE
        if cleaned.get("completed_on") and not done:
            self.add_error("completed_on", "Only give a completion date when the action is done")
        elif done and not cleaned.get("completed_on"):
            cleaned["completed_on"] = timezone.localdate()
        return cleaned


class AssessmentForm(forms.Form):
    version = VersionField()
    rating = forms.ChoiceField(
        choices=[Choice(r.value, r.label, hint=RATING_MEANINGS[r]) for r in Rating],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a rating"},
    )
    narrative = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="Why this rating: what the evidence shows and what is missing.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Save rating")
        self.helper.layout = Layout(
            Field("version"),
            Field.radios("rating", legend_size="m", legend_tag="h2"),
            Field.textarea("narrative", rows=8),
        )

    def clean(self):
        cleaned = super().clean()
        rating = cleaned.get("rating")
        needs_reason = rating in (Rating.EXCEEDING, Rating.PARTLY_MET, Rating.NOT_MET)
        if needs_reason and not cleaned.get("narrative", "").strip():
            self.add_error("narrative", "Explain the rating: say what the evidence shows")
        return cleaned


def _overdue_filter(queryset, name, value):
    if value == "yes":
        return queryset.overdue()
    if value == "no":
        return queryset.not_overdue()
    return queryset


class FastSelect(forms.Select):
    """The same <select> markup as Django's, built in Python from the choices: the
    template-rendered widget renders one template per <option>, and even Django's option
    dictionaries and ``format_html`` per option grow to most of a page listing hundreds of
    users. Flat choices only (no option groups); the values and labels are escaped."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            text = str(option_value)
            selected = " selected" if text in chosen else ""
            chosen.discard(text)  # as Django's: only the first match is selected
            options.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(options)),  # noqa: S308 (each value and label escaped above)
        )


class ActionFilter(django_filters.FilterSet):
    section = django_filters.ModelChoiceFilter(
        queryset=Section.objects.none(), empty_label="All sections"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=staff_users(), empty_label="Anyone", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(choices=Action.Status.choices, empty_label="Any status")
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "Overdue only"), ("no", "Not overdue")],
        empty_label="Overdue or not",
        method=_overdue_filter,
    )

    class Meta:
        model = Action
        fields = ["section", "owner", "status", "overdue"]

    def __init__(self, *args, edition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].queryset = Section.objects.filter(edition=edition)
        self.filters["owner"].queryset = staff_users().only("first_name", "last_name", "username")
        self.filters["owner"].field.label_from_instance = lambda u: u.get_full_name() or u.username
        for name in self.filters:
            self.filters[name].field.widget.attrs["class"] = "govuk-select"


class PeriodStartForm(forms.Form):
    label = forms.CharField(
        max_length=20,
        help_text="How the period is named, for example 2026/27.",
        error_messages={"required": "Enter a label for the review period"},
    )
    start_date = GovUKDateField(label="Start date")
    end_date = GovUKDateField(label="End date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Open review period")
        self.helper.layout = Layout(
            Field.text("label", field_width=10), Field("start_date"), Field("end_date")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", "The end date must be after the start date")
        return cleaned


class GuidanceForm(forms.ModelForm):
    published_on = GovUKDateField(label="Publication date")

    class Meta:
        model = GuidanceUpdate
        fields = ["kind", "title", "published_on", "url"]
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Enter the title of the guidance"},
            "kind": {"required": "Select whether this is guidance or a toolkit edition"},
            "url": {"invalid": "Enter a web address in the correct format, like https://…"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = GuidanceUpdate.Kind.choices
        self.helper = gds_helper(submit_label="Record guidance")
        self.helper.layout = Layout(
            Field.radios("kind"), Field.text("title"), Field("published_on"), Field.text("url")
        )
