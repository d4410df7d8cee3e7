"""The page where a user chooses immediate e-mails or a daily digest."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from prevent_compliance import web

from . import rules as _rules  # noqa: F401  (registers the permission)
from . import selectors, services
from .forms import PreferenceForm


@require_http_methods(["GET", "POST"])
def preferences(request):
    web.require(request.user, "prevent_compliance.change_own_notifications")
    form = PreferenceForm(
        **web.bound(request), initial={"delivery": selectors.delivery_for(request.user)}
    )
    if form.is_valid():
        preference = services.notification_preference_set(
            actor=request.user, delivery=form.cleaned_data["delivery"]
        )
        messages.success(
            request, f"Saved: e-mails about steps {preference.get_delivery_display().lower()}."
        )
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "recent": selectors.recent_for(request.user)},
    )
