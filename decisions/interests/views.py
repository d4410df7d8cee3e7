"""Staff pages of the register of interests: the people on it, their entries and offers of
gifts and hospitality, and the holder's own confirmation (check, then confirm)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from prevent_compliance import web
from prevent_compliance.rules import allowed, require

from . import selectors, services
from .forms import ConfirmForm, GiftForm, HolderForm, InterestForm
from .models import Gift, Holder, Interest

# People a page of the staff list shows.
PAGE_SIZE = 25


def _holder(request, slug: str, perm: str = "decisions.view_holder") -> Holder:
    holder = get_object_or_404(Holder.objects.select_related("user"), slug=slug)
    require(request.user, perm, holder)
    return holder


@require_GET
def holder_list(request):
    """The people on the register now; ``?listed=no``: those no longer listed, kept apart so
    that the office's predecessors over the years do not lengthen the list in daily use."""
    require(request.user, "decisions.view_register_of_interests")
    listed = request.GET.get("listed") != "no"
    page = web.page_of(request, selectors.staff_holders(listed=listed), PAGE_SIZE)
    return render(
        request,
        "interests/holder_list.html",
        {
            "page": page,
            "listed": listed,
            "query": "" if listed else "listed=no",
            "unlisted": selectors.staff_holders(listed=False).exists() if listed else False,
            "rows": [(h, selectors.freshness(h)) for h in page],
            "within_days": selectors.confirm_within_days(),
            "can_keep": allowed(request.user, "decisions.keep_register_of_interests"),
        },
    )


@require_GET
def my_register(request):
    """The signed-in holder's own register (the sign page links here)."""
    holder = selectors.holder_for(request.user)
    if holder is not None:
        return redirect(holder)
    if allowed(request.user, "decisions.sign_decision"):
        # The navigation offers this page to everyone who signs: say who sets the register up.
        return render(request, "interests/no_register.html")
    raise Http404("You have no register of interests in this service.")


@require_GET
def holder_detail(request, slug: str):
    holder = _holder(request, slug)
    entries = list(holder.interests.order_by("category", "-start_date", "pk"))
    return render(
        request,
        "interests/holder_detail.html",
        {
            "holder": holder,
            "fresh": selectors.freshness(holder),
            "entries": entries,
            "categories": selectors.by_category(entries),
            "gifts": holder.gifts.order_by("-offered_on", "-pk"),
            "confirmations": holder.confirmations.order_by("-number")[:10],
            "threshold": selectors.gift_threshold(),
            "can_change": allowed(request.user, "decisions.change_holder_entries", holder),
            "can_confirm": allowed(request.user, "decisions.confirm_register", holder),
            "can_keep": allowed(request.user, "decisions.keep_register_of_interests"),
        },
    )


def _values(form, fields) -> dict:
    return {name: form.cleaned_data[name] for name in fields}


@require_http_methods(["GET", "POST"])
def holder_create(request):
    require(request.user, "decisions.keep_register_of_interests")
    form = HolderForm(**web.bound(request), initial={"active": True})
    if form.is_valid():
        try:
            holder = services.holder_create(
                actor=request.user, **_values(form, services.HOLDER_FIELDS)
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"{holder.name} added to the register.")
            return redirect(holder)
    return render(request, "interests/form.html", {"form": form, "heading": "Add a person"})


@require_http_methods(["GET", "POST"])
def holder_edit(request, slug: str):
    holder = _holder(request, slug, "decisions.keep_register_of_interests")
    form = HolderForm(**web.bound(request), instance=holder)
    if form.is_valid():
        try:
            holder = services.holder_update(
                actor=request.user, holder=holder, **_values(form, services.HOLDER_FIELDS)
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"{holder.name} saved.")
            return redirect(holder)
    saved = Holder.objects.get(pk=holder.pk)
    return render(
        request,
        "interests/form.html",
        {"form": form, "heading": "Change details", "holder": saved},
    )


def _entry_page(request, holder, form, *, save, heading: str, done: str):
    if form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(holder)
    return render(
        request, "interests/form.html", {"form": form, "heading": heading, "holder": holder}
    )


@require_http_methods(["GET", "POST"])
def interest_create(request, slug: str):
    holder = _holder(request, slug, "decisions.change_holder_entries")
    return _entry_page(
        request,
        holder,
        InterestForm(**web.bound(request)),
        save=lambda form: services.interest_create(
            actor=request.user, holder=holder, **_values(form, services.INTEREST_FIELDS)
        ),
        heading="Add an entry",
        done="Entry added. The register must be confirmed again before signing.",
    )


@require_http_methods(["GET", "POST"])
def interest_edit(request, slug: str, public_id):
    holder = _holder(request, slug, "decisions.change_holder_entries")
    interest = get_object_or_404(Interest, holder=holder, public_id=public_id)
    return _entry_page(
        request,
        holder,
        InterestForm(**web.bound(request), instance=interest),
        save=lambda form: services.interest_update(
            actor=request.user, interest=interest, **_values(form, services.INTEREST_FIELDS)
        ),
        heading="Change an entry",
        done="Entry saved. The register must be confirmed again before signing.",
    )


@require_http_methods(["GET", "POST"])
def gift_create(request, slug: str):
    holder = _holder(request, slug, "decisions.change_holder_entries")
    return _entry_page(
        request,
        holder,
        GiftForm(**web.bound(request)),
        save=lambda form: services.gift_create(
            actor=request.user, holder=holder, **_values(form, services.GIFT_FIELDS)
        ),
        heading="Record an offer of a gift or hospitality",
        done="Offer recorded.",
    )


@require_http_methods(["GET", "POST"])
def gift_edit(request, slug: str, public_id):
    holder = _holder(request, slug, "decisions.change_holder_entries")
    gift = get_object_or_404(Gift, holder=holder, public_id=public_id)
    return _entry_page(
        request,
        holder,
        GiftForm(**web.bound(request), instance=gift),
        save=lambda form: services.gift_update(
            actor=request.user, gift=gift, **_values(form, services.GIFT_FIELDS)
        ),
        heading="Change an offer",
        done="Offer saved.",
    )


@require_http_methods(["GET", "POST"])
def confirm(request, slug: str):
    """Check your register (every entry, as the public will see it), then confirm it."""
    holder = _holder(request, slug, "decisions.confirm_register")
    form = ConfirmForm(**web.bound(request))
    entries = list(holder.interests.order_by("category", "-start_date", "pk"))
    if form.is_valid():
        try:
            confirmation = services.register_confirm(
                actor=request.user, holder=holder, confirmed=form.cleaned_data["confirmed"]
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            return redirect("interests:confirmed", slug=holder.slug, number=confirmation.number)
    return render(
        request,
        "interests/confirm.html",
        {
            "form": form,
            "holder": holder,
            "fresh": selectors.freshness(holder),
            "entries": entries,
            "categories": selectors.by_category(entries),
        },
    )


@require_GET
def confirmed(request, slug: str, number: int):
    """The confirmation page after confirming: which version, when, what next."""
    holder = _holder(request, slug)
    confirmation = get_object_or_404(holder.confirmations, number=number)
    return render(
        request,
        "interests/confirmed.html",
        {"holder": holder, "confirmation": confirmation, "fresh": selectors.freshness(holder)},
    )
