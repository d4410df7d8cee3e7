"""User accounts in the admin: deactivated, never deleted; roles given under two-person control.

Deleting a user would blank ``history_user`` on every change they made, so nobody may
delete users (or roles). Administrators add users, change them and give them roles, with
these limits (see prevent_compliance/accounts/services.py):

* nobody changes their own roles, and nobody becomes a superuser or gets permissions of
  their own here (superusers are made with ``manage.py createsuperuser``);
* a signing role (Chief Executive, Commissioner, Administrator) waits as a role grant until a
  second administrator confirms it under "Role grants";
* an authenticator app's secret is never shown: the admin lists apps and removes a lost one,
  nothing more;
* every change lands in the app's audit log as an account change.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .accounts.services import (
    SIGNING_ROLES,
    account_roles_requested,
    may_confirm_grants,
    record_event,
    role_grant_cancel,
    role_grant_confirm,
)
from .models import AccountEvent, RoleGrant

admin.site.unregister(User)
admin.site.unregister(Group)
# django-otp's own admin shows each app's key, a QR code and a configuration page: replaced.
admin.site.unregister(TOTPDevice)

SIGNING_NAMES = ", ".join(sorted(role.value for role in SIGNING_ROLES))


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Superusers come from the command line; permissions come from roles only.
        readonly += ["last_login", "date_joined", "is_superuser", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            readonly.append("groups")  # nobody gives themselves a role
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "groups" in form.base_fields:
            form.base_fields["groups"].help_text = (
                f"A signing role ({SIGNING_NAMES}) is given only when a second administrator "
                "confirms it under Role grants. Other roles and removals apply at once."
            )
        return form

    def save_related(self, request, form, formsets, change):
        requested = form.cleaned_data.get("groups")
        if requested is None:
            return super().save_related(request, form, formsets, change)
        with transaction.atomic():
            applied, grants = account_roles_requested(
                actor=request.user, account=form.instance, requested=set(requested)
            )
            form.cleaned_data["groups"] = sorted(applied, key=lambda g: g.pk)
            super().save_related(request, form, formsets, change)
        for grant in grants:
            messages.warning(
                request,
                f"The {grant.role.name} role for {form.instance.get_username()} waits for a "
                "second administrator to confirm it under Role grants.",
            )

    @admin.action(description="Deactivate selected users (they can no longer sign in)")
    def deactivate(self, request, queryset):
        if not self.has_change_permission(request):
            messages.error(request, "You do not have permission to deactivate users.")
            return
        if queryset.filter(pk=request.user.pk).exists():
            messages.warning(request, "You cannot deactivate your own account.")
        allowed = queryset.exclude(pk=request.user.pk).filter(is_active=True)
        if not request.user.is_superuser:
            allowed = allowed.exclude(is_superuser=True)
        with transaction.atomic():
            users = list(allowed.select_for_update())
            count = User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
            for user in users:
                record_event(
                    account=user,
                    kind=AccountEvent.Kind.STATUS_CHANGED,
                    summary=f"{user.get_username()} deactivated",
                    actor=request.user,
                )
        messages.success(request, f"{count} user{'s' if count != 1 else ''} deactivated.")


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    """The six roles and their permissions are made by migrations: read here, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Signing roles waiting for a second administrator: confirm or cancel, nothing else."""

    list_display = ("account", "role", "status", "reason", "proposed_by", "proposed_at")
    list_filter = ("status", "role")
    list_select_related = ("account", "role", "proposed_by")
    fields = list_display + ("decided_by", "decided_at")
    readonly_fields = fields
    actions = ["confirm", "cancel"]

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and may_confirm_grants(request.user)

    def has_confirm_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, service, done: str):
        decided = 0
        for grant in queryset.select_related("account", "role"):
            try:
                service(actor=request.user, grant=grant)
            except (PermissionDenied, ValidationError) as exc:
                text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                messages.error(request, f"{grant}: {text}")
            else:
                decided += 1
        if decided:
            messages.success(request, f"{decided} role grant{'s' if decided != 1 else ''} {done}.")

    @admin.action(description="Confirm selected role grants", permissions=["confirm"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, role_grant_confirm, "confirmed")

    @admin.action(description="Cancel selected role grants", permissions=["confirm"])
    def cancel(self, request, queryset):
        self._decide(request, queryset, role_grant_cancel, "cancelled")


@admin.register(TOTPDevice)
class AuthenticatorAppAdmin(admin.ModelAdmin):
    """Which accounts have an authenticator app, and removing a lost one. No key, no QR code.

    A new app is only ever set up by its holder on the set-up page, in their own session.
    """

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = list_display
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
