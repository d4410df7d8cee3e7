"""The sign-in form and the one-time code form."""

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.forms import gds_helper


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK markup and plain error messages."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been deactivated. Ask an administrator.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = gds_helper(submit_label="Sign in")
        self.helper.layout = Layout(
            Field.text("username", field_width=20),
            Field("password", css_class="govuk-input govuk-!-width-one-half"),
        )

    def clean_username(self):
        username = self.cleaned_data["username"]
        # No account has a longer name. Refused here, it never reaches authenticate() and
        # django-axes, whose attempt log holds 255 characters (PostgreSQL would fail).
        if len(username) > (self.username_field.max_length or 150):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 numbers your app shows now, for example 123456.",
        max_length=10,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args, device: TOTPDevice, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input govuk-input--width-5",
            }
        )
        self.helper = gds_helper(submit_label=submit_label)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 numbers, for example 123456")
        allowed, info = self.device.verify_is_allowed()
        if not allowed:
            until = timezone.localtime((info or {}).get("locked_until") or timezone.now())
            raise forms.ValidationError(
                f"Too many wrong codes. Wait until {until:%H:%M:%S}, then try again"
            )
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                "The code is not correct or has expired. Enter the code your app shows now"
            )
        return code
