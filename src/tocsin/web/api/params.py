"""What the API's operations share: the shapes of their parameters, and the country
code check."""

from __future__ import annotations

from tocsin import countries

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps the database out of it
# A country code in a path or a query: ISO 3166-1 alpha-3 (tocsin.countries), in either
# case (the API has always taken "mmr" for "MMR"); whether it names a country Tocsin
# knows is ``checked_country()``.
ISO3 = countries.PATTERN.replace("A-Z", "A-Za-z")
NAME = r"^[\w.-]+$"  # a rule, a source, an event class


def checked_country(code: str | None, where: str = "country") -> str | None:
    """The code in capitals, or None if absent; ``InputError`` (400) naming ``where`` for
    a code that names no country Tocsin knows."""
    return countries.check(code, where) if code else None
