"""User accounts in the admin: deactivated, never deleted; no history row can be edited.

Deleting a user would blank ``history_user`` on every change they made, so nobody may
delete users (or roles). Administrators add users, change them and give them roles, but
cannot make anyone a superuser or touch a superuser's account.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

admin.site.unregister(User)
admin.site.unregister(Group)


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
        readonly += ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

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
        count = allowed.update(is_active=False)
        messages.success(request, f"{count} user{'s' if count != 1 else ''} deactivated.")


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    """The six roles are created by a migration; they are never deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False
