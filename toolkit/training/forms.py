"""Forms for training records, rendered with GOV.UK Frontend markup (crispy-forms-gds)."""

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import get_user_model

from prevent_compliance.forms import GovUKDateField, gds_helper
from prevent_compliance.uploads import ALLOWED_DESCRIPTION, validate_upload
from toolkit.forms import UserChoiceField, staff_users

from .importer import MAX_BYTES
from .models import Course, Person, RoleGroup


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_role_group_display()})"


class PersonForm(forms.ModelForm):
    start_date = GovUKDateField(label="Start date")
    end_date = GovUKDateField(label="End date", required=False)
    user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="User account (optional)",
        help_text="Their account in this app, if they have one: refresher reminders go to it.",
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "job_title",
            "role_group",
            "email",
            "employee_id",
            "start_date",
            "end_date",
            "user",
            "active",
        ]
        widgets = {"role_group": forms.RadioSelect}
        labels = {
            "job_title": "Job title (optional)",
            "email": "E-mail address (optional)",
            "employee_id": "Employee ID (optional)",
            "active": "Count this person in the training figures",
        }
        error_messages = {
            "name": {"required": "Enter the person's name"},
            "role_group": {"required": "Select the person's role group"},
            "email": {
                "invalid": "Enter an e-mail address in the correct format, like name@example.org"
            },
        }
        help_texts = {
            "end_date": "Leave empty while they still work for the office.",
            "role_group": "The training needs analysis says which courses each group needs.",
            "active": "Untick for someone who no longer needs tracking (for example, long leave).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_group"].choices = RoleGroup.choices
        self.fields["user"].queryset = staff_users()
        self.fields["user"].empty_label = "No account"
        self.helper = gds_helper(submit_label="Save person")
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("job_title"),
            Field.radios("role_group"),
            Field.text("email", field_width=20),
            Field.text("employee_id", field_width=10),
            Field("start_date"),
            Field("end_date"),
            Field("user"),
            Field.checkbox("active"),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date")
        return cleaned


class CourseForm(forms.ModelForm):
    role_groups = forms.MultipleChoiceField(
        label="Who needs this course",
        choices=RoleGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The training needs analysis: select every role group that must take it.",
    )
    lead = UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Training lead (optional)",
        help_text="Reminded of refreshers due for people who have no account in this app.",
    )

    class Meta:
        model = Course
        fields = ["name", "kind", "provider", "refresher_months", "lead"]
        widgets = {"kind": forms.RadioSelect}
        labels = {
            "provider": "Provider (optional)",
            "refresher_months": "Refresher interval in months (optional)",
        }
        error_messages = {
            "name": {"required": "Enter the course name"},
            "kind": {"required": "Select what kind of course this is"},
            "refresher_months": {
                "invalid": "Enter the refresher interval as a whole number of months",
                "min_value": "The refresher interval must be at least 1 month",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Course.Kind.choices
        self.fields["lead"].queryset = staff_users()
        self.fields["lead"].empty_label = "No lead"
        self.fields["refresher_months"].widget.attrs.update({"inputmode": "numeric"})
        if self.instance.pk:
            self.fields["role_groups"].initial = [
                r.role_group for r in self.instance.requirements.all()
            ]
        self.helper = gds_helper(submit_label="Save course")
        self.helper.layout = Layout(
            Field.text("name"),
            Field.radios("kind"),
            Field.text("provider"),
            Field.text("refresher_months", field_width=4),
            Field.checkboxes("role_groups", small=True),
            Field("lead"),
        )

    def clean_refresher_months(self):
        months = self.cleaned_data.get("refresher_months")
        if months is not None and not 1 <= months <= 120:
            raise forms.ValidationError("The refresher interval must be between 1 and 120 months")
        return months


class CompletionForm(forms.Form):
    person = PersonChoiceField(
        queryset=Person.objects.none(),
        error_messages={"required": "Select who completed the course"},
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        error_messages={"required": "Select the course they completed"},
    )
    completed_on = GovUKDateField(label="Date completed")
    upload = forms.FileField(label="Certificate (optional)", required=False)

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_info = None
        self.fields["person"].queryset = Person.objects.order_by("name", "pk")
        self.fields["person"].empty_label = "Select a person"
        self.fields["course"].queryset = Course.objects.order_by("name")
        self.fields["course"].empty_label = "Select a course"
        self.fields["completed_on"].help_text = "For example, 27 3 2025."
        self.fields["upload"].help_text = f"{ALLOWED_DESCRIPTION}, up to {max_mb} MB."
        self.helper = gds_helper(submit_label="Record completion")
        self.helper.layout = Layout(
            Field("person"),
            Field("course"),
            Field("completed_on"),
            Field("upload"),
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.upload_info = validate_upload(upload)
        return upload


class ImportForm(forms.Form):
    upload = forms.FileField(
        label="CSV file of completions",
        error_messages={
            "required": "Choose the CSV file to import",
            "empty": "The selected file is empty",
        },
        help_text=(
            "A CSV export from the learning system, up to "
            f"{MAX_BYTES // 1024} KB, with a header row."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Check the file")
        self.helper.layout = Layout(Field("upload"))

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {MAX_BYTES // 1024} KB"
            )
        return upload
