"""Checks on what the public register says: no personal address ever reaches it."""

import re

from django.core.exceptions import ValidationError

# A UK postcode (SW1A 1AA, B33 8TH) or a house number followed by a street word.
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
_STREET = re.compile(
    r"\b\d+[a-z]?,?\s+[\w'’-]+(\s+[\w'’-]+)?\s+"
    r"(street|st|road|rd|lane|ln|avenue|ave|close|drive|dr|way|crescent|place|court|"
    r"gardens|grove|terrace|mews|row|square|hill|park)\b",
    re.IGNORECASE,
)


def no_address(value: str) -> None:
    """Refuse text that looks like a postal address (a postcode or a house number and street)."""
    if _POSTCODE.search(value or "") or _STREET.search(value or ""):
        raise ValidationError(
            "Do not give an address: describe land and property in general terms, for "
            "example 'a house in Leamington Spa'",
            code="address",
        )
