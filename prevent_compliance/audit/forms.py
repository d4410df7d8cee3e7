"""The audit log's filter: who changed records, which kind of record, and between which dates."""

from django import forms
from django.contrib.auth import get_user_model

from prevent_compliance.forms import GovUKDateField, gds_helper

from .selectors import LogFilters, log_sources


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Changed by",
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        empty_label="Anyone",
    )
    record_type = forms.ChoiceField(label="Record type", required=False)
    date_from = GovUKDateField(label="From date", required=False)
    date_to = GovUKDateField(label="To date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username
        )
        self.fields["record_type"].choices = [("", "All records")] + [
            (source.key, source.label) for source in log_sources()
        ]
        self.helper = gds_helper(submit_label="Apply filters")
        self.helper.form_tag = False

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
