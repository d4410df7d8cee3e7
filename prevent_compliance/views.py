"""Pages of the project package: the organisation profile and the accessibility statement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import branding
from .forms import OrganisationProfileForm
from .models import OrganisationProfile, forget_organisation, get_organisation
from .services import organisation_update
from .web import PUBLIC, add_service_errors, bound, file_response, require


@require_http_methods(["GET", "POST"])
def organisation_edit(request):
    require(request.user, "prevent_compliance.change_organisationprofile")
    # Edit the row itself, never the cached copy; get_organisation() makes it on first use.
    profile = OrganisationProfile.objects.order_by("pk").first()
    if profile is None:
        forget_organisation()
        profile = get_organisation()
    form = OrganisationProfileForm(**bound(request), instance=profile)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        profile.refresh_from_db()
        try:
            organisation_update(
                actor=request.user,
                profile=profile,
                logo=form.logo,
                remove_logo=form.cleaned_data.get("remove_logo", False),
                **values,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
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
    organisation = get_organisation()
    return render(
        request,
        "public/accessibility.html",
        {"organisation": organisation, "has_logo": branding.has_logo(organisation)},
    )


@login_not_required
@require_GET
def organisation_logo(request):
    """The office's logo (public, like the pages it appears on): the stored, sanitised file
    only, with its own type and, for an SVG, a policy under which nothing in it can run."""
    organisation = get_organisation()
    if not branding.has_logo(organisation):
        raise Http404("No logo has been set.")
    content_type = organisation.logo_content_type
    response = file_response(
        organisation.logo,
        filename=f"logo{branding.EXTENSIONS[content_type]}",
        content_type=content_type,
        inline=True,
        cache_control=PUBLIC,
    )
    if content_type == branding.SVG:
        response["Content-Security-Policy"] = branding.LOGO_CSP
    return response
