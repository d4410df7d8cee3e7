"""Path converters whose values always fit what the code and the database can hold.

Django's ``<int:>`` accepts any run of digits, so ``/periods/0/`` or a 20-digit number reached
the views and failed there (a year the ``date`` type refuses, an integer too big for SQLite or
PostgreSQL). These converters match only values in range; anything else is simply not a URL
of the site, a 404. ``<ref:>`` is Django's ``<path:>`` without control characters,
which PostgreSQL refuses in a query. Importing this module registers all three.
"""

from datetime import MAXYEAR, MINYEAR

from django.urls import register_converter

# The largest PostgreSQL ``integer`` (and comfortably inside SQLite's 64-bit one).
MAX_NUMBER = 2**31 - 1


class YearConverter:
    """A calendar year, four digits, 1 to 9999 (what ``datetime.date`` can hold)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not MINYEAR <= year <= MAXYEAR:
            raise ValueError(f"{value} is not a year.")  # Django turns this into a 404
        return year

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


class NumberConverter:
    """A positive whole number that fits a database ``integer`` column."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_NUMBER:
            raise ValueError(f"{value} is out of range.")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class ReferenceConverter:
    """A decision reference: any text, "/" included, but no control characters (NUL...)."""

    regex = "[^\\x00-\\x1f\\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(YearConverter, "year")
register_converter(NumberConverter, "number")
register_converter(ReferenceConverter, "ref")
