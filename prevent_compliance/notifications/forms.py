"""The preferences page's form: how to hear about workflow steps (GOV.UK radios)."""

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from prevent_compliance.forms import gds_helper

from .models import Delivery


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How do you want to be told about steps waiting for you?",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        help_text="A daily e-mail lists every step of the day in one message.",
        error_messages={
            "required": "Select how you want to be told about steps",
            "invalid_choice": "Select how you want to be told about steps",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Save your choice")
        self.helper.layout = Layout(Field.radios("delivery", legend_size=Size.MEDIUM))
