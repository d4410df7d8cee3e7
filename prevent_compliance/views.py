"""Pages of the project package: the organisation profile and the accessibility statement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .forms import OrganisationProfileForm
from .models import OrganisationProfile, get_organisation
from .roles import is_administrator
from .services import organisation_update


@require_http_methods(["GET", "POST"])
def organisation_edit(request):
    if not is_administrator(request.user):
        raise PermissionDenied
    profile = OrganisationProfile.objects.filter(pk=get_organisation().pk).first()
    if profile is None:
        profile = OrganisationProfile.objects.create()
    form = OrganisationProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        profile.refresh_from_db()
        try:
            organisation_update(actor=request.user, profile=profile, **values)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Organisation profile saved.")
            return redirect("organisation")
    example = None
    if not form.errors:
        example = form.instance.example_reference(year=timezone.localdate().year, number=1)
    return render(
        request, "prevent_compliance/organisation_form.html", {"form": form, "example": example}
    )


@login_not_required
@require_GET
def accessibility_statement(request):
    return render(request, "public/accessibility.html")
