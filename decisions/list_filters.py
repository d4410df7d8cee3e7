"""The staff decision list's search, filters and sort: a plain form read from the query
string. A bad value is a field error shown in the page's one error summary (the list then
ignores that filter), never a server error."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet, Subquery

from prevent_compliance.forms import query_text
from prevent_compliance.roles import Role

from .models import Decision

# Whose step a decision waits for (decisions/waiting.py whose_step_q), as the filter offers it.
STEPS = [
    ("officer", "An officer (to submit, revise or publish)"),
    ("treasurer", "The Treasurer (to comment)"),
    ("chief_executive", "The Chief Executive (to comment or approve)"),
    ("commissioner", "The Commissioner (to sign)"),
    ("nobody", "No one: finished"),
]
STEP_ROLES = {
    "officer": Role.OFFICER,
    "treasurer": Role.TREASURER,
    "chief_executive": Role.CHIEF_EXECUTIVE,
    "commissioner": Role.COMMISSIONER,
}

# The sortable columns: what each heading link sorts by (the reference breaks ties). By
# reference is natural order, as on the public log (Decision.reference_sort_key).
SORTS = {
    "reference": ("reference_sort_key", "reference"),
    "title": ("title", "reference"),
    "date": ("decision_date", "reference"),
    "status": ("status", "reference"),
}
DEFAULT_SORT = "-date"
SORT_LABELS = {
    "reference": ("reference, A to Z", "reference, Z to A"),
    "title": ("title, A to Z", "title, Z to A"),
    "date": ("decision date, oldest first", "decision date, newest first"),
    "status": ("status, A to Z", "status, Z to A"),
}
COLUMNS = [
    ("reference", "Reference"),
    ("title", "Title"),
    ("date", "Date"),
    (None, "Confidentiality"),
    ("status", "Status"),
    (None, "Whose step"),
]


def _step_q(step: str) -> Q:
    from . import waiting  # the "whose step" rules live with the waiting-for-you panel

    if step == "nobody":
        anyone = Q(pk__in=[])
        for role in STEP_ROLES.values():
            anyone |= waiting.whose_step_q(role)
        return ~anyone
    return waiting.whose_step_q(STEP_ROLES[step])


class DecisionListForm(forms.Form):
    q = forms.CharField(label="Search references and titles", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False)
    step = forms.ChoiceField(label="Whose step", required=False)
    year = forms.TypedChoiceField(label="Year", required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *Decision.Status.choices]
        self.fields["step"].choices = [("", "Anyone's"), *STEPS]
        self.fields["year"].choices = [("", "Any year"), *[(y, str(y)) for y in years]]
        sorts = [*SORTS, *(f"-{key}" for key in SORTS)]
        self.fields["sort"].choices = [(value, value) for value in sorts]
        self.fields["sort"].error_messages["invalid_choice"] = (
            "The list cannot be sorted that way: it is sorted by decision date instead"
        )
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["class"] = "govuk-input govuk-!-width-full"
        messages = {
            "status": "Choose a status from the list",
            "step": "Choose whose step it is from the list",
            "year": "Choose a year from the list",
        }
        for name, message in messages.items():
            self.fields[name].widget.attrs["class"] = "govuk-select"
            self.fields[name].error_messages["invalid_choice"] = message

    def _value(self, name: str):
        if not self.is_bound or name in self.errors:
            return None
        return self.cleaned_data.get(name) or None

    @property
    def sort_value(self) -> str:
        self.is_valid()
        return self._value("sort") or DEFAULT_SORT

    @property
    def sort_label(self) -> str:
        value = self.sort_value
        ascending, descending = SORT_LABELS[value.lstrip("-")]
        return descending if value.startswith("-") else ascending

    def apply(self, queryset: QuerySet[Decision]) -> QuerySet[Decision]:
        """The decisions matching the valid filters, in the order asked for."""
        self.is_valid()
        if words := query_text(self._value("q") or "", max_length=100):
            queryset = queryset.filter(Q(reference__icontains=words) | Q(title__icontains=words))
        if status := self._value("status"):
            queryset = queryset.filter(status=status)
        if step := self._value("step"):
            queryset = queryset.filter(_step_q(step))
        if year := self._value("year"):
            queryset = queryset.filter(decision_date__year=year)
        value = self.sort_value
        fields = SORTS[value.lstrip("-")]
        descending = value.startswith("-")
        return queryset.order_by(*[f"-{f}" if descending else f for f in fields])


def decision_years() -> list[int]:
    """The years from the newest decision's to the oldest's, newest first.

    One query of two reads along the decision date index (the first and the last entry),
    so its cost does not grow with the log and it is never out of date; listing only the
    years that hold decisions would read every row. A year between with no decisions is
    offered too and lists nothing.
    """
    dated = Decision.objects.filter(decision_date__isnull=False).values("decision_date")
    newest = dated.order_by("-decision_date")[:1]
    span = (
        dated.order_by("decision_date")
        .annotate(newest=Subquery(newest))
        .values_list("decision_date", "newest")
        .first()
    )
    if span is None:
        return []
    oldest, latest = span
    return list(range(latest.year, oldest.year - 1, -1))
