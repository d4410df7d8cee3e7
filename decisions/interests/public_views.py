"""The public register of interests and register of gifts and hospitality, and their open
data (CSV and JSON). Open to everyone, without signing in.

Everything here is built from ``selectors.entry_public`` / ``gift_public`` or a confirmation's
snapshot, which hold public fields only: never an internal note, and never an offer below
INTERESTS_GIFT_PUBLISH_THRESHOLD. CSV cells go through ``csv_safe`` (no spreadsheet formulas).
"""

import csv
import io
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_compliance.web import csv_safe, file_response

from . import selectors
from .models import Holder

REGISTER_FIELDS = (
    "person",
    "role_title",
    "category",
    "organisation",
    "description",
    "start_date",
    "end_date",
    "register_last_confirmed",
)
GIFT_FIELDS = (
    "person",
    "role_title",
    "date_offered",
    "type",
    "from",
    "description",
    "estimated_value_gbp",
    "outcome",
    "reason",
)


def _confirmed_on(confirmation) -> str | None:
    if confirmation is None:
        return None
    return timezone.localdate(confirmation.confirmed_at).isoformat()


def _holder_block(holder: Holder) -> dict:
    """A holder's public register from a prefetched holder (selectors.public_holders)."""
    return {
        "holder": holder,
        "latest": selectors.latest_confirmation(holder),
        "categories": selectors.by_category(holder.interests.all()),
    }


def _dated(entry: dict) -> dict:
    """A snapshot entry with its ISO dates as dates, for the page's date formatting."""
    end = entry.get("end_date")
    return {
        **entry,
        "start_date": date.fromisoformat(entry["start_date"]),
        "end_date": date.fromisoformat(end) if end else None,
    }


def _public_holder(slug: str) -> Holder:
    return get_object_or_404(selectors.public_holders(), slug=slug)


@login_not_required
@require_GET
def public_register(request):
    people = [_holder_block(h) for h in selectors.public_holders()]
    return render(request, "interests/public_register.html", {"people": people})


@login_not_required
@require_GET
def public_person(request, slug: str):
    holder = _public_holder(slug)
    return render(
        request,
        "interests/public_person.html",
        {
            "person": _holder_block(holder),
            "versions": list(holder.confirmations.all()),
        },
    )


@login_not_required
@require_GET
def public_version(request, slug: str, number: int):
    """A confirmed version exactly as confirmed (the one a decision was signed against)."""
    holder = _public_holder(slug)
    confirmation = get_object_or_404(holder.confirmations, number=number)
    categories = selectors.by_category(_dated(e) for e in confirmation.entries)
    return render(
        request,
        "interests/public_version.html",
        {
            "holder": holder,
            "confirmation": confirmation,
            "categories": categories,
            "crumb": f"Version {confirmation.number}",
            "signed": confirmation.signed_decisions.public()
            .filter(signed_register_hash=confirmation.content_hash)
            .order_by("-signed_on", "reference"),
        },
    )


def _register_rows() -> list[dict]:
    rows = []
    for holder in selectors.public_holders():
        confirmed = _confirmed_on(selectors.latest_confirmation(holder))
        for interest in holder.interests.all():
            entry = selectors.entry_public(interest)
            rows.append(
                {
                    "person": holder.name,
                    "role_title": holder.role_title,
                    "category": entry["category_label"],
                    "organisation": entry["organisation"],
                    "description": entry["description"],
                    "start_date": entry["start_date"],
                    "end_date": entry["end_date"],
                    "register_last_confirmed": confirmed,
                }
            )
    return rows


def _csv(rows: list[dict], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_safe(row[key]) for key in fields})
    return out.getvalue()


@login_not_required
@require_GET
def public_register_csv(request):
    return file_response(
        _csv(_register_rows(), REGISTER_FIELDS),
        filename="register-of-interests.csv",
        content_type="text/csv; charset=utf-8",
        cache_control=None,
    )


@login_not_required
@require_GET
def public_register_json(request):
    people = []
    for holder in selectors.public_holders():
        latest = selectors.latest_confirmation(holder)
        people.append(
            {
                "person": holder.name,
                "role_title": holder.role_title,
                "page": settings.SITE_URL + holder.get_public_url(),
                "register_last_confirmed": _confirmed_on(latest),
                "register_version": latest.number if latest else None,
                "register_version_sha256": latest.content_hash if latest else None,
                "entries": [selectors.entry_public(i) for i in holder.interests.all()],
            }
        )
    payload = {
        "source": settings.SITE_URL + reverse("interests:public_register"),
        "count": len(people),
        "people": people,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})


@login_not_required
@require_GET
def public_gifts(request):
    return render(
        request,
        "interests/public_gifts.html",
        {"gifts": list(selectors.public_gifts()), "threshold": selectors.gift_threshold()},
    )


def _gift_rows() -> list[dict]:
    rows = []
    for gift in selectors.public_gifts():
        data = selectors.gift_public(gift)
        rows.append({"person": data.pop("holder"), **data})
    return rows


@login_not_required
@require_GET
def public_gifts_csv(request):
    return file_response(
        _csv(_gift_rows(), GIFT_FIELDS),
        filename="gifts-and-hospitality.csv",
        content_type="text/csv; charset=utf-8",
        cache_control=None,
    )


@login_not_required
@require_GET
def public_gifts_json(request):
    rows = _gift_rows()
    payload = {
        "source": settings.SITE_URL + reverse("interests:public_gifts"),
        "published_from_gbp": f"{selectors.gift_threshold():.2f}",
        "count": len(rows),
        "offers": rows,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})
