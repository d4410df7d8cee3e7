"""What the public log says about each record beside its notice, and its open data.

``public_facts`` gives the header facts every public page and feed shows: who decided, at
which meeting, for how much, when it was first published, its status with reason and date,
and when withheld parts were released. A confidential record, or one signed and not
published, keeps only who decided, when it was listed and its status (with the reason): its
forum, value and content stay out of every page and feed.

The CSV and JSON feeds add those facts to ``notices.feed_row`` (which decides what of the
content is public); the Atom feed lists newly published decisions. Every link starts with
settings.SITE_URL, never with the request's Host header; every CSV cell goes through
``csv_safe``.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from html import escape

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, get_tag_uri

from prevent_compliance.web import csv_safe

from . import integrity, notices
from .models import Decision

logger = logging.getLogger(__name__)

ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
ATOM_ENTRIES = 50


@dataclass(frozen=True)
class PublicRelease:
    """A later release of withheld content, as the public log announces it."""

    released_on: date
    scope: str  # "whole" or "part"
    scope_label: str


@dataclass
class PublicFacts:
    url: str
    status: str
    status_label: str
    tag_class: str = "govuk-tag--grey"
    status_reason: str = ""
    status_date: date | None = None
    decision_maker: str = ""
    decision_maker_label: str = ""
    decision_maker_name: str = ""
    forum: str = ""
    forum_date: date | None = None
    financial_value: Decimal | None = None
    published_on: date | None = None
    releases: list[PublicRelease] = field(default_factory=list)

    @property
    def financial_value_text(self) -> str:
        return f"£{self.financial_value:,.2f}" if self.financial_value is not None else ""

    @property
    def last_released_on(self) -> date | None:
        return max((r.released_on for r in self.releases), default=None)

    @property
    def updated_on(self) -> date | None:
        """The last day the public record changed: first publication or a later release."""
        days = [d for d in (self.published_on, self.last_released_on) if d]
        return max(days, default=None)


def _status_line(decision: Decision) -> tuple[str, str, date | None]:
    """(label, reason, date) of the record's public status: the reason and date only for a
    record not published, withdrawn or deferred (Decision.public_status_line)."""
    line = decision.public_status_line
    if line:
        label, reason, day = line
        return str(label), reason or "", day
    return decision.get_status_display(), "", None


def public_releases(decision: Decision) -> list[PublicRelease]:
    """The record's releases of withheld content whose own seal verifies, oldest first
    (from the prefetched ``releases`` where the selector loaded them)."""
    found = []
    for release in decision.releases.all():
        release.decision = decision  # the record already loaded: no query for the seal check
        check = integrity.check_release(release)
        if not check.ok:
            logger.error(
                "A release of decision %s is not shown: %s.", decision.reference, check.problem
            )
            continue
        found.append(PublicRelease(release.released_on, release.scope, release.get_scope_display()))
    return sorted(found, key=lambda r: r.released_on)


def public_facts(
    decision: Decision, *, base_url: str = "", releases: list[PublicRelease] | None = None
) -> PublicFacts:
    """The facts the public log shows beside a record's notice. Only for public records.

    ``releases``: the record's verified releases if the caller has them already.
    """
    if not decision.is_public:
        raise ValueError("Only records on the public log have public facts.")
    label, reason, day = _status_line(decision)
    facts = PublicFacts(
        url=base_url + decision.get_public_url(),
        status=decision.status,
        status_label=label,
        tag_class=decision.status_tag_class,
        status_reason=reason,
        status_date=day,
        published_on=decision.published_on,
        releases=public_releases(decision) if releases is None else releases,
    )
    if decision.decision_maker:
        facts.decision_maker = decision.decision_maker
        facts.decision_maker_label = decision.get_decision_maker_display()
    facts.decision_maker_name = decision.decision_maker_name
    if _content_withheld(decision):
        return facts
    facts.forum = decision.forum
    facts.forum_date = decision.forum_date
    facts.financial_value = decision.financial_value
    return facts


def _content_withheld(decision: Decision) -> bool:
    """Confidential, or signed and not published: only the header of the listing is public
    (as in notices.public_notice)."""
    return decision.is_confidential or decision.status == Decision.Status.NOT_PUBLISHED


# --- CSV and JSON ---------------------------------------------------------------------------

FEED_FIELDS = [
    *notices.FEED_FIELDS[: notices.FEED_FIELDS.index("title") + 1],
    "register",
    *notices.FEED_FIELDS[notices.FEED_FIELDS.index("title") + 1 :],
    "status_reason",
    "status_date",
    "decision_maker",
    "decision_maker_name",
    "forum",
    "forum_date",
    "financial_value",
    "published_on",
    "releases",
]


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def feed_row(decision: Decision, *, base_url: str) -> dict:
    """One record of the open-data log: the notice's row and the public facts."""
    row = notices.feed_row(decision, base_url=base_url)
    facts = public_facts(decision, base_url=base_url)
    if _content_withheld(decision):
        # A record not published keeps its content out of the feeds as out of its page.
        row.update(lead_officer="", summary="", signed_by="", signed_on="")
    row["url"] = facts.url
    row["register"] = decision.register
    row["status_reason"] = facts.status_reason
    row["status_date"] = _iso(facts.status_date)
    row["decision_maker"] = facts.decision_maker
    row["decision_maker_name"] = facts.decision_maker_name
    row["forum"] = facts.forum
    row["forum_date"] = _iso(facts.forum_date)
    row["financial_value"] = str(facts.financial_value) if facts.financial_value is not None else ""
    row["published_on"] = _iso(facts.published_on)
    row["releases"] = [
        {"released_on": r.released_on.isoformat(), "scope": r.scope} for r in facts.releases
    ]
    return {key: row.get(key, "") for key in FEED_FIELDS}


def _csv_cell(key: str, value) -> str:
    if key == "releases":  # "2027-03-01 (part); 2028-01-10 (whole)"
        value = "; ".join(f"{r['released_on']} ({r['scope']})" for r in value)
    return csv_safe(value)


def feed_csv(rows) -> str:
    """The open-data log as CSV text, every cell made safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FEED_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(key, row[key]) for key in FEED_FIELDS})
    return out.getvalue()


# --- Atom -----------------------------------------------------------------------------------


def _moment(day: date) -> datetime:
    """A day as the start of that day where the office is (Atom wants a date and time)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _entry_summary(decision: Decision, facts: PublicFacts) -> str:
    parts = [f"Decided {decision.decision_date.day} {decision.decision_date:%B %Y}."]
    if facts.decision_maker_label:
        name = f" ({facts.decision_maker_name})" if facts.decision_maker_name else ""
        parts.append(f"Decision maker: {facts.decision_maker_label}{name}.")
    parts.append(f"Status: {facts.status_label}.")
    if facts.last_released_on:
        day = facts.last_released_on
        parts.append(f"Withheld content released on {day.day} {day:%B %Y}.")
    if _content_withheld(decision):
        parts.append(decision.withheld_statement() if decision.is_confidential else "")
    else:
        parts.append(decision.summary)
    # Atom1Feed marks a summary as HTML: the plain text is escaped, never markup.
    return escape(" ".join(parts))


def atom_feed(decisions, *, base_url: str, title: str, log_url: str, feed_url: str) -> str:
    """The Atom document of the given (newest first) decisions.

    Each entry's id is a tag: URI made from its permalink and its decision date, both fixed
    once it is published, so a reader never sees one decision twice; ``updated`` is the day
    it was first published or, later, the day withheld content was released.
    """
    feed = Atom1Feed(
        title=title,
        link=log_url,
        description="Decisions of significant public interest, newest first.",
        feed_url=feed_url,
        feed_guid=get_tag_uri(log_url, None),
        language="en-GB",
    )
    for decision in decisions:
        facts = public_facts(decision, base_url=base_url)
        first = facts.published_on or (
            timezone.localdate(decision.published_at) if decision.published_at else None
        )
        updated = max(d for d in (first, facts.last_released_on, decision.decision_date) if d)
        feed.add_item(
            title=f"{decision.reference} – {decision.title}",
            link=facts.url,
            description=_entry_summary(decision, facts),
            unique_id=get_tag_uri(facts.url, decision.decision_date),
            unique_id_is_permalink=False,
            pubdate=_moment(first) if first else None,
            updateddate=_moment(updated),
        )
    return feed.writeString("utf-8")
