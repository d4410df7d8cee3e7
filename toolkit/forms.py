"""Forms for toolkit records, rendered with GOV.UK Frontend markup (crispy-forms-gds)."""

from datetime import timedelta

import django_filters
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Fluid,
    Layout,
)
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from prevent_compliance.forms import GovUKDateField, gds_helper, query_text
from prevent_compliance.models import SecurityMarking
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload

from . import selectors
from .annual_review_report import NARRATIVES
from .models import (
    CRITERION_RATING_MEANINGS,
    CRITERION_RATINGS,
    KEY_EVIDENCE_MAX,
    Action,
    Criterion,
    Evidence,
    GuidanceUpdate,
    Rating,
    ReviewPeriod,
    Section,
    ToolkitEdition,
)
from .rating_rules import CriterionInput
from .selectors import staff_users


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class CriterionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.text}"


def criteria_by_section(field: forms.BoundField) -> list[tuple[Section, list[dict]]]:
    """The criterion checkboxes grouped by their section, in the order of the sections and
    numbered as crispy-forms-gds numbers one list (``id_criteria_1`` …), so the error summary
    links to the first box. One query: the field's criteria with their sections."""
    chosen = {str(v) for v in (field.value() or [])}
    groups: dict[int, tuple[Section, list[dict]]] = {}
    for index, criterion in enumerate(field.field.queryset, start=1):
        section = criterion.section
        group = groups.setdefault(section.pk, (section, []))
        group[1].append(
            {
                "id": f"id_{field.html_name}_{index}",
                "value": criterion.pk,
                "code": criterion.code,
                "text": criterion.text,
                "checked": str(criterion.pk) in chosen,
            }
        )
    return sorted(groups.values(), key=lambda group: group[0].number)


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
        self.fields["criteria"].queryset = (
            Criterion.objects.filter(section__edition=edition)
            .select_related("section")
            .order_by("section__number", "number")
        )
        self.fields["title"].widget.attrs["autocomplete"] = "off"
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
            Field.text("title", field_width=Fluid.FULL),
            Field.textarea("description", rows=4),
            Field.radios("kind"),
            Field("upload", css_class="govuk-file-upload"),
            Field.text("url", field_width=Fluid.FULL),
            Field("effective_date"),
            Field("review_by"),
            Field.radios("marking"),
            Field.checkboxes("sections", small=True),
            # Grouped by section, a fieldset and legend each (not one list of 40 boxes).
            Field("criteria", template="toolkit/evidence_criteria_field.html"),
        )

    @property
    def criteria_groups(self) -> list[tuple[Section, list[dict]]]:
        return criteria_by_section(self["criteria"])

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
            stray = [c for c in criteria if c.section_id not in section_ids]
            if stray:
                names = ", ".join(f"{c.code} (section {c.section.number})" for c in stray)
                self.add_error(
                    "criteria",
                    f"Criterion {names} is not in a section you selected: select its "
                    "section too, or untick the criterion",
                )
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
        if not self.is_bound:
            self._limit_criteria()
        self.fields["criterion"].empty_label = "None"
        self.fields["priority"].choices = Action.Priority.choices
        self.fields["status"].choices = Action.Status.choices
        self.fields["completed_on"].help_text = "Leave empty to use today's date when marked done."
        self.helper = gds_helper(submit_label="Save action")
        self.helper.layout = Layout(
            Field("version"),
            Field.text("title", field_width=Fluid.FULL),
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

    def _limit_criteria(self) -> None:
        """Offer only the section's criteria when the page opens on one (a page without
        script cannot follow a change of section; a posted form is checked against every
        criterion of the edition, so clean() can name a mismatch)."""
        section = self.initial.get("section")
        if not isinstance(section, Section):  # a saved action's initial is the section's pk
            section = self.instance.section if self.instance.section_id else None
        if section is not None:
            field = self.fields["criterion"]
            field.queryset = field.queryset.filter(section=section)
            field.help_text = (
                f"Optional: one of section {section.number}'s criteria. To choose another "
                "section's, change the section and save: the list follows it."
            )

    def clean(self):
        cleaned = super().clean()
        section, criterion = cleaned.get("section"), cleaned.get("criterion")
        if section and criterion and criterion.section_id != section.pk:
            self.add_error(
                "criterion",
                f"Criterion {criterion.code} is in section {criterion.section.number}, not "
                f"section {section.number} ({section.title}): choose one of section "
                f"{section.number}'s criteria, or none",
            )
        done = cleaned.get("status") == Action.Status.DONE
        if cleaned.get("completed_on") and not done:
            self.add_error("completed_on", "Only give a completion date when the action is done")
        elif done and not cleaned.get("completed_on"):
            cleaned["completed_on"] = timezone.localdate()
        return cleaned


class _Reveal(ConditionalQuestion):
    """A radio that reveals fields, and only then points aria-controls at them."""

    template = "toolkit/partials/conditional_question.html"


def _radios(field: str, choices: list[tuple[str, list[str]]]) -> ConditionalRadios:
    """Radios where each (label, fields) choice reveals its fields when it is selected."""
    return ConditionalRadios(field, *[_Reveal(label, *fields) for label, fields in choices])


class _Fragment:
    """Ready-escaped HTML in a crispy layout. crispy's own HTML object renders its text as a
    template, which would run template code typed into an evidence title."""

    def __init__(self, html: str):
        self.html = html

    def render(self, *args, **kwargs) -> str:
        return self.html


def _evidence_fragment(evidence: list, today) -> str:
    """The criterion's evidence in the period, each flagged when its review is overdue."""
    if not evidence:
        return mark_safe(
            '<p class="govuk-body-s"><strong class="govuk-tag govuk-tag--red">No evidence</strong>'
            " linked to this criterion in this review period.</p>"
        )
    items = []
    for item in evidence:
        flag = ""
        if item.review_by and item.review_by < today:
            flag = format_html(
                ' <strong class="govuk-tag govuk-tag--red">Overdue for review</strong>'
                ' <span class="app-meta">review was due {}</span>',
                date_format(item.review_by, "j F Y"),
            )
        items.append(
            format_html(
                '<li><a class="govuk-link" href="{}">{}</a>{}</li>',
                item.get_absolute_url(),
                item.title,
                flag,
            )
        )
    return format_html(
        '<p class="govuk-body-s govuk-!-margin-bottom-1">Evidence in this review period:</p>'
        '<ul class="govuk-list govuk-body-s">{}</ul>',
        mark_safe("".join(items)),  # noqa: S308 (each item built with format_html)
    )


CRITERION_CHOICES = [
    Choice(r.value, r.label, hint=CRITERION_RATING_MEANINGS[r]) for r in CRITERION_RATINGS
]


class AssessmentForm(forms.Form):
    """A section's assessment on one page: each criterion in its own fieldset, then the
    section rating, proposed from the criteria unless overridden with a justification.

    The form presents the rules; ``services.assessment_update`` enforces them (its errors
    are keyed by these field names, so they show beside the criterion they name).
    """

    ACCEPT, OVERRIDE = "proposed", "override"

    version = VersionField()
    accept = forms.ChoiceField(
        label="Section rating",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to use the proposed rating"},
    )
    rating = forms.ChoiceField(
        label="Rating",
        required=False,
        choices=[("", "Choose a rating")] + [(r.value, r.label) for r in Rating],
    )
    override_justification = forms.CharField(
        label="Why the rating differs from the one proposed",
        widget=forms.Textarea,
        required=False,
        help_text="Say what the criteria do not show. This is printed in the annual review.",
    )
    narrative = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="Why this rating: what the evidence shows and what is missing. Needed for "
        "every rating except not assessed and not applicable.",
    )

    def __init__(self, *args, rows, evidence, proposed, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.proposed = proposed
        proposed_label = proposed.label if proposed else "none"
        self.fields["accept"].choices = [
            Choice(
                self.ACCEPT,
                "Use the rating proposed from the criteria",
                hint=f"Proposed from the criteria as last saved: {proposed_label}. If you "
                "change a criterion above, the proposal is worked out again when you save.",
            ),
            Choice(self.OVERRIDE, "Give a different rating, with a justification"),
        ]
        layout = [Field("version")]
        for row in rows:
            layout.append(self._criterion_fieldset(row, evidence.get(row.criterion_id, []), today))
        layout += [
            Fieldset(
                _radios(
                    "accept",
                    [
                        ("Use the rating proposed from the criteria", []),
                        (
                            "Give a different rating, with a justification",
                            [
                                Field.select("rating"),
                                Field.textarea("override_justification", rows=4),
                            ],
                        ),
                    ],
                ),
                Field.textarea("narrative", rows=6),
                legend=f"Section rating (proposed: {proposed_label})",
                legend_size="m",
                legend_tag="h2",
            )
        ]
        self.helper = gds_helper(submit_label="Save assessment")
        self.helper.layout = Layout(*layout)

    def _criterion_fieldset(self, row, evidence, today):
        criterion = row.criterion
        prefix = f"criterion_{criterion.number}"
        self.fields[f"{prefix}_rating"] = forms.ChoiceField(
            label=f"How well is criterion {criterion.code} met?",
            choices=CRITERION_CHOICES,
            widget=forms.RadioSelect,
            error_messages={"required": f"Select a rating for criterion {criterion.code}"},
        )
        self.fields[f"{prefix}_reason"] = forms.CharField(
            label=f"Why criterion {criterion.code} does not apply",
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
        )
        self.fields[f"{prefix}_note"] = forms.CharField(
            label=f"Note on criterion {criterion.code} (optional)",
            widget=forms.Textarea,
            required=False,
            help_text="What the evidence shows, or what is missing.",
        )
        duty = criterion.get_duty_holder_display()
        about = format_html(
            '<p class="govuk-body-s"><strong class="govuk-tag {}">{}</strong>{}{}</p>{}{}',
            criterion.level_tag_class,
            criterion.get_level_display(),
            format_html(" Whose duty: {}.", duty) if duty else "",
            format_html(" Source: {}.", criterion.source) if criterion.source else "",
            _evidence_fragment(evidence, today),
            mark_safe(
                '<p class="govuk-body-s"><strong class="govuk-tag govuk-tag--orange">'
                "To re-confirm</strong> Carried forward from the previous period.</p>"
            )
            if row.to_reconfirm
            else "",
        )
        return Fieldset(
            _Fragment(about),
            _radios(
                f"{prefix}_rating",
                [
                    (r.label, [f"{prefix}_reason"] if r == Rating.NOT_APPLICABLE else [])
                    for r in CRITERION_RATINGS
                ],
            ),
            Field.textarea(f"{prefix}_note", rows=2),
            legend=f"{criterion.code} {criterion.text}",
            legend_size="s",
            legend_tag="h2",
            css_class="app-criterion",
        )

    def criteria_values(self) -> dict[int, CriterionInput]:
        """Each criterion's rating, reason and note as the service takes them."""
        data = self.cleaned_data
        return {
            row.criterion_id: CriterionInput(
                rating=data[f"criterion_{row.criterion.number}_rating"],
                reason=data.get(f"criterion_{row.criterion.number}_reason", ""),
                note=data.get(f"criterion_{row.criterion.number}_note", ""),
            )
            for row in self.rows
        }

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            prefix = f"criterion_{row.criterion.number}"
            if cleaned.get(f"{prefix}_rating") != Rating.NOT_APPLICABLE:
                continue
            if row.criterion.is_must:
                self.add_error(
                    f"{prefix}_rating",
                    f"Criterion {row.criterion.code} is a legal requirement (must), so it "
                    "cannot be not applicable",
                )
            elif not cleaned.get(f"{prefix}_reason", "").strip():
                self.add_error(
                    f"{prefix}_reason", f"Say why criterion {row.criterion.code} does not apply"
                )
        if cleaned.get("accept") == self.OVERRIDE:
            if not cleaned.get("rating"):
                self.add_error("rating", "Choose the rating you are giving instead")
            if not cleaned.get("override_justification", "").strip():
                self.add_error(
                    "override_justification",
                    "Explain why the rating differs from the one proposed from the criteria",
                )
        return cleaned

    @property
    def chosen_rating(self) -> str | None:
        """The rating given instead of the proposal, or None to use the proposal."""
        if self.cleaned_data.get("accept") == self.OVERRIDE:
            return self.cleaned_data["rating"]
        return None


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
    # Choices from the shared cache (selectors.action_owner_choices), set per request: a
    # value is checked against them, so a stray or hostile one is a field error, never a 500.
    owner = django_filters.ChoiceFilter(
        choices=[],
        empty_label="Anyone",
        widget=FastSelect,
        error_messages={"invalid_choice": "Select an owner from the list"},
    )
    status = django_filters.ChoiceFilter(choices=Action.Status.choices, empty_label="Any status")
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "Overdue only"), ("no", "Not overdue")],
        empty_label="Overdue or not",
        label="Overdue",  # a method filter has no model field to name it ("[invalid name]")
        method=_overdue_filter,
    )

    class Meta:
        model = Action
        fields = ["section", "owner", "status", "overdue"]

    def __init__(self, *args, edition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].queryset = Section.objects.filter(edition=edition)
        self.filters["owner"].extra["choices"] = selectors.action_owner_choices()
        for name in self.filters:
            self.filters[name].field.widget.attrs["class"] = "govuk-select"


# --- Finding evidence ---------------------------------------------------------------------


REVIEW_STATES = [
    ("in_date", "In date"),
    ("due_soon", "Review due soon"),
    ("overdue", "Review overdue"),
    ("none", "No review date"),
]


def _review_state_filter(queryset, name, value):
    """In date, due within the reminder window (toolkit.reminders), overdue, or never set."""
    from .reminders import EVIDENCE_WINDOW_DAYS

    today = timezone.localdate()
    soon = today + timedelta(days=EVIDENCE_WINDOW_DAYS)
    if value == "in_date":
        return queryset.filter(review_by__gt=soon)
    if value == "due_soon":
        return queryset.filter(review_by__gte=today, review_by__lte=soon)
    if value == "overdue":
        return queryset.filter(review_by__lt=today)
    if value == "none":
        return queryset.filter(review_by__isnull=True)
    return queryset


def _evidence_search(queryset, name, value):
    words = query_text(value, max_length=100)
    if not words:
        return queryset
    return queryset.filter(Q(title__icontains=words) | Q(description__icontains=words))


# The sortable columns of the evidence list: what the links in the headings sort by.
EVIDENCE_SORTS = {
    "title": ("title",),
    "kind": ("kind", "title"),
    "effective": ("effective_date", "title"),
    "review": ("review_by", "title"),
    "marking": ("marking", "title"),
}
EVIDENCE_DEFAULT_SORT = "-effective"  # the latest effective date first


def _sort_choices(sorts: dict) -> list[tuple[str, str]]:
    return [(key, key) for key in sorts] + [(f"-{key}", f"-{key}") for key in sorts]


def sort_queryset(queryset, sorts: dict, value: str, default: str):
    """Order by the column a heading link asked for (``-`` for descending), then by pk."""
    value = value or default
    descending = value.startswith("-")
    fields = sorts[value.lstrip("-")]
    return queryset.order_by(*[f"-{f}" if descending else f for f in fields], "-pk")


class EvidenceFilter(django_filters.FilterSet):
    """The evidence list's search and filters; a bad value is a field error, never a 500."""

    q = django_filters.CharFilter(label="Search titles and descriptions", method=_evidence_search)
    section = django_filters.ModelChoiceFilter(
        field_name="sections",
        queryset=Section.objects.none(),
        empty_label="All sections",
        label="Section",
    )
    kind = django_filters.ChoiceFilter(choices=Evidence.Kind.choices, empty_label="Any kind")
    marking = django_filters.ChoiceFilter(
        choices=SecurityMarking.choices, empty_label="Any marking"
    )
    period = django_filters.ModelChoiceFilter(
        field_name="periods",
        queryset=ReviewPeriod.objects.none(),
        empty_label="Any review period",
        label="Review period",
    )
    review = django_filters.ChoiceFilter(
        choices=REVIEW_STATES,
        empty_label="Any review state",
        label="Review state",
        method=_review_state_filter,
    )
    sort = django_filters.ChoiceFilter(
        choices=_sort_choices(EVIDENCE_SORTS), method=lambda queryset, name, value: queryset
    )

    class Meta:
        model = Evidence
        fields = ["q", "section", "kind", "marking", "period", "review"]

    def __init__(self, *args, edition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].queryset = Section.objects.filter(edition=edition)
        self.filters["section"].field.label_from_instance = lambda s: f"{s.number}. {s.title}"
        self.filters["period"].queryset = ReviewPeriod.objects.order_by("-start_date")
        self.filters["period"].field.label_from_instance = lambda p: p.label
        self.filters["sort"].field.widget = forms.HiddenInput()
        self.filters["sort"].field.error_messages["invalid_choice"] = (
            "The list cannot be sorted that way: it is sorted by effective date instead"
        )
        for name, filter_ in self.filters.items():
            field = filter_.field
            if name == "q":
                field.widget.input_type = "search"
                field.widget.attrs["class"] = "govuk-input govuk-!-width-full"
            elif name != "sort":
                field.widget.attrs["class"] = "govuk-select"
                what = (field.label or name).lower()
                field.error_messages["invalid_choice"] = f"Choose a {what} from the list"

    @property
    def sort_value(self) -> str:
        """The sort asked for, if valid; else the default."""
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data.get("sort") or EVIDENCE_DEFAULT_SORT
        value = self.data.get("sort", "") if self.is_bound else ""
        return value if value in dict(_sort_choices(EVIDENCE_SORTS)) else EVIDENCE_DEFAULT_SORT

    @property
    def sorted_qs(self):
        return sort_queryset(self.qs, EVIDENCE_SORTS, self.sort_value, EVIDENCE_DEFAULT_SORT)


class PeriodStartForm(forms.Form):
    label = forms.CharField(
        max_length=20,
        help_text="How the period is named, for example 2026/27.",
        error_messages={"required": "Enter a label for the review period"},
    )
    start_date = GovUKDateField(label="Start date")
    end_date = GovUKDateField(label="End date")
    edition = forms.ModelChoiceField(
        label="Toolkit edition to assess against",
        queryset=ToolkitEdition.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        required=False,  # none chosen: the previous period's edition (the latest for a first)
        help_text="Earlier periods keep the edition they were assessed against. Moving to a "
        "newer edition carries each rating, note and evidence link to the criteria that take "
        "over from the old ones, marked “to re-confirm”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editions = ToolkitEdition.objects.order_by("-code")
        self.fields["edition"].queryset = editions
        self.fields["edition"].label_from_instance = lambda e: (
            f"{e.title}"
            + (f" (published {date_format(e.published_on, 'j F Y')})" if e.published_on else "")
        )
        self.helper = gds_helper(submit_label="Open review period")
        self.helper.layout = Layout(
            Field.text("label", field_width=10),
            Field("start_date"),
            Field("end_date"),
            Field.radios("edition", legend_size="s"),
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


# --- The annual report: the period's narratives and each section's key evidence -------------


class ReportNarrativeForm(forms.Form):
    """The period's narratives, as the annual report prints them (services enforce the
    limits again: ``review_period_narratives_update``)."""

    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    HINTS = {
        "foreword": "The Commissioner's own words, printed at the front of the report.",
        "method": "Who assessed the sections, how, and against what (for example the "
        "toolkit edition, meetings held and evidence reviewed).",
        "executive_summary": "How the office stands, in a few sentences a panel member "
        "who has never seen the app can follow.",
        "key_findings": "What the assessment found: strengths and weaknesses.",
        "key_risks": "What could stop the office meeting the duty, and how it is handled.",
        "conclusions": "What the office will do next, and why.",
    }

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in NARRATIVES:
            self.fields[name] = forms.CharField(
                label=label,
                widget=forms.Textarea,
                required=False,
                strip=False,
                max_length=max_length,
                help_text=self.HINTS[name],
                error_messages={
                    "max_length": f"{label} must be {max_length:,} characters or fewer"
                },
            )
        self.helper = gds_helper(submit_label="Save narratives")
        self.helper.layout = Layout(
            Field("loaded"),
            *(Field.textarea(name, rows=6) for name, _label in NARRATIVES),
        )

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if name != "loaded" and isinstance(cleaned.get(name), str):
                # Line endings as browsers send them (\r\n) are stored as \n.
                cleaned[name] = cleaned[name].replace("\r\n", "\n").strip()
        return cleaned

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "loaded"}


class AssessmentKeyEvidenceForm(AssessmentForm):
    """The assessment form with the section's key evidence for the annual report: up to
    KEY_EVIDENCE_MAX of the evidence linked to its criteria in the period (and any chosen
    before), as checkboxes after the section rating."""

    key_evidence = forms.TypedMultipleChoiceField(
        label="Key evidence for the annual report",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose evidence from the list"},
    )

    def __init__(self, *args, evidence, chosen, **kwargs):
        super().__init__(*args, evidence=evidence, **kwargs)
        candidates = {e.pk: e for items in evidence.values() for e in items}
        for item in chosen:
            candidates.setdefault(item.pk, item)
        ordered = sorted(candidates.values(), key=lambda e: (e.title.lower(), e.pk))
        self.candidates = {e.pk: e for e in ordered}
        field = self.fields["key_evidence"]
        field.choices = [
            (e.pk, f"{e.title} ({date_format(e.effective_date, 'j M Y')}, {e.marking})")
            for e in ordered
        ]
        field.help_text = (
            f"Choose up to {KEY_EVIDENCE_MAX}. The report lists these under the section and "
            "counts the rest, which are in the audit pack's evidence register."
        )
        self.helper.layout.fields.append(
            Fieldset(
                Field.checkboxes("key_evidence", small=True)
                if ordered
                else _Fragment(
                    mark_safe(
                        '<p class="govuk-body">No evidence is linked to this section\'s '
                        "criteria in this review period.</p>"
                    )
                ),
                legend="Key evidence for the annual report",
                legend_size="m",
                legend_tag="h2",
            )
        )

    def clean_key_evidence(self):
        chosen = self.cleaned_data.get("key_evidence") or []
        if len(set(chosen)) > KEY_EVIDENCE_MAX:
            raise forms.ValidationError(f"Choose up to {KEY_EVIDENCE_MAX} pieces of key evidence")
        return chosen

    def chosen_evidence(self) -> list:
        return [self.candidates[pk] for pk in dict.fromkeys(self.cleaned_data["key_evidence"])]
