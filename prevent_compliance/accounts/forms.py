"""Sign-in, the one-time code, passwords, and the administrators' forms for users."""

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.forms import gds_helper, query_text
from prevent_compliance.roles import Role

from .selectors import UserFilters
from .two_factor import code_wait_until, wait_message, wrong_code_message


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
        # The device row is locked while the code is checked, so codes posted at the same
        # moment are counted one after another and none slips past the limit.
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().filter(pk=self.device.pk).first()
            if device is None:
                raise forms.ValidationError("This set-up has ended. Start again")
            if (until := code_wait_until(device)) is not None:
                raise forms.ValidationError(wait_message(until))
            verified = device.verify_token(code)
        self.device = device
        if not verified:
            raise forms.ValidationError(wrong_code_message(device))
        return code


# --- Passwords --------------------------------------------------------------------------------

# Advice shown under the new password, not a password.
PASSWORD_HELP = (
    "At least 12 characters. A few unrelated words together make a password that is long "  # noqa: S105
    "and easy to remember. It cannot be only numbers, a common password, or close to your name."
)


def _password_layout(form, names: list[str], *, submit_label: str) -> None:
    messages = {
        "old_password": "Enter your current password",
        "new_password1": "Enter a new password",
        "new_password2": "Enter the new password again",
    }
    for name in names:
        field = form.fields[name]
        field.error_messages["required"] = messages[name]
        field.strip = False
    form.fields["new_password1"].help_text = PASSWORD_HELP
    form.fields["new_password1"].label = "New password"
    form.fields["new_password2"].label = "Confirm new password"
    form.fields["new_password2"].help_text = ""
    form.helper = gds_helper(submit_label=submit_label)
    form.helper.layout = Layout(
        *(Field(name, css_class="govuk-input govuk-!-width-one-half") for name in names)
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Current password, then the new one twice, checked by the password validators."""

    error_messages = {
        "password_incorrect": "Your current password is not correct. Enter it again",
        "password_mismatch": "The two new passwords do not match. Enter the same password twice",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        _password_layout(
            self,
            ["old_password", "new_password1", "new_password2"],
            submit_label="Change password",
        )

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and new == cleaned.get("old_password") and "new_password1" not in self.errors:
            self.add_error(
                "new_password1", "Your new password must be different from your current one"
            )
        return cleaned


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password twice, from an e-mailed link."""

    error_messages = {
        "password_mismatch": "The two passwords do not match. Enter the same password twice",
    }

    def __init__(self, *args, submit_label: str = "Save password", **kwargs):
        super().__init__(*args, **kwargs)
        _password_layout(self, ["new_password1", "new_password2"], submit_label=submit_label)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The address your administrator gave your account.",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.helper = gds_helper(submit_label="Send the link")
        self.helper.layout = Layout(Field.text("email", field_width=20))


# --- Users (administrators) -------------------------------------------------------------------


def _role_choices() -> list[tuple[int, str]]:
    order = {role.value: index for index, role in enumerate(Role)}
    groups = sorted(Group.objects.filter(name__in=order), key=lambda g: order[g.name])
    return [(group.pk, group.name) for group in groups]


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Group.objects.filter(name__in=[role.value for role in Role]),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label="Roles",
            help_text=SIGNING_HELP,
            error_messages={
                "invalid_choice": "Choose roles from the list",
                "invalid_pk_value": "Choose roles from the list",
            },
            **kwargs,
        )


SIGNING_HELP = (
    "Select all that apply. Chief Executive, Commissioner and Administrator approve, sign or "
    "administer: they are given only when a second administrator confirms them."
)


# Words that /users/ uses for its own pages (user_urls.py).
RESERVED_USERNAMES = {"invite", "role-grants"}


class InviteForm(forms.Form):
    username = forms.CharField(
        label="Username",
        help_text=(
            "What they will sign in with, for example jsmith. Letters, digits and @ . + - _ only."
        ),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        error_messages={"required": "Enter a username"},
    )
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name"}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send a link to this address so they can choose a password.",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    roles = RoleChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices()
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.helper = gds_helper(submit_label="Send invitation")
        self.helper.layout = Layout(
            Field.text("username", field_width=20),
            Field.text("first_name", field_width=20),
            Field.text("last_name", field_width=20),
            Field.text("email", field_width=30),
            Field.checkboxes("roles"),
        )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if username.lower() in RESERVED_USERNAMES:
            raise ValidationError("Choose another username: this one names a page of the service")
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("There is already an account with this username")
        return username


class RolesForm(forms.Form):
    roles = RoleChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices()
        self.helper = gds_helper(submit_label="Save roles")
        self.helper.layout = Layout(Field.checkboxes("roles"))


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        help_text="Part of a name, username or email address.",
        required=False,
        max_length=100,
    )
    role = forms.ChoiceField(label="Role", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Active and deactivated"), ("active", "Active"), ("inactive", "Deactivated")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            ("", "Any role"),
            *((role.value, role.value) for role in Role),
            ("none", "No role"),
        ]
        self.helper = gds_helper(submit_label="Apply filters")
        self.helper.form_tag = False
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=20), Field.select("role"), Field.select("status")
        )

    def filters(self) -> UserFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return UserFilters(
            search=query_text(data.get("q") or "", max_length=100),
            role=data.get("role") or "",
            status=data.get("status") or "",
        )
