"""The register of interests a decision was signed against, for the public decision record,
so the decisions app's views need not know this app exists."""

from django import template

from decisions.models import Decision

register = template.Library()


@register.inclusion_tag("interests/partials/decision_register.html")
def public_signed_register(url_key: str):
    """The confirmed register version the record was signed against, if it was, and only
    when the version is the one sealed with the record (its SHA-256 matches)."""
    decision = (
        Decision.objects.public()
        .by_url_key(url_key)
        .select_related("signed_register_version__holder")
        .first()
    )
    version = decision.signed_register_version if decision else None
    if version is None or version.content_hash != decision.signed_register_hash:
        return {"version": None}
    return {"version": version, "holder": version.holder}
