"""The Django admin, kept for administrators, behind our sign-in and two-factor check.

``prevent_compliance.apps.AdminConfig`` replaces ``django.contrib.admin`` in INSTALLED_APPS
so that ``admin.site``, where every app registers its models, is a ``PreventAdminSite``.
Model admins live in ``admin.py``; this module registers nothing, so loading the site
cannot run into registrations half done.
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme


class PreventAdminSite(admin.AdminSite):
    site_header = "Prevent Compliance administration"
    site_title = "Prevent Compliance administration"
    index_title = "Users, roles and settings"

    def admin_view(self, view, cacheable=False):
        """Every admin page first asks a signed-in member of staff for a one-time code."""
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if self.has_permission(request):
                from .accounts.two_factor import verification_redirect

                if response := verification_redirect(request, required=True):
                    return response
            return guarded(request, *args, **kwargs)

        return update_wrapper(inner, guarded)

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        """One sign-in page for everyone, so lockout and two-factor apply to the admin too."""
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = index
        if self.has_permission(request):
            return redirect(next_url)
        if request.user.is_authenticated:
            # Signed in but not staff: sending them to sign in again would loop.
            raise PermissionDenied
        return redirect_to_login(next_url, settings.LOGIN_URL)
