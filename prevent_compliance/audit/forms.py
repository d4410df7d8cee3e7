"""The audit log's filter: who changed records, which kind of record, and between which dates."""

from django import forms
from django.contrib.auth import get_user_model

from prevent_compliance.forms import GovUKDateField, gds_helper

from .selectors import LogFilters, log_sources


class AuditFilterForm(forms.Form):
    # A username, not a list of every user: the list grows with the years, the page must not.
    user = forms.CharField(
        label="Changed by",
        help_text="Their username, for example jsmith. Leave empty for anyone.",
        required=False,
        max_length=150,
    )
    record_type = forms.ChoiceField(label="Record type", required=False)
    date_from = GovUKDateField(label="From date", required=False)
    date_to = GovUKDateField(label="To date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "All records")] + [
            (source.key, source.label) for source in log_sources()
        ]
        self.helper = gds_helper(submit_label="Apply filters")
        self.helper.form_tag = False

    def clean_user(self):
        username = self.cleaned_data.get("user", "").strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError("There is no user with that username")
        return user

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        return cleaned

    def filters(self) -> LogFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        user = data.get("user")
        return LogFilters(
            user_id=user.pk if user else None,
            record_type=data.get("record_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
