"""The country crosswalks (``tocsin.countries``) as a DuckDB lookup table, so the
readers map a whole file's codes to ISO3 in one SQL pass."""

from __future__ import annotations

from tocsin.countries import tables


def register(con) -> None:
    """Create the temp table `country_codes(scheme, code, iso3)` on a DuckDB connection.

    Names are stored under their normalised key; SQL callers match them with
    the `country_name_key` macro, which applies the same normalisation
    (``tocsin.countries.name_key``).
    """
    from tocsin.events.sqlparts import create_table

    schemes, codes, isos = [], [], []
    for scheme, table in tables().items():
        for code, iso3 in table.items():
            schemes.append(scheme)
            codes.append(code)
            isos.append(iso3)
    create_table(con, "country_codes", {"scheme": schemes, "code": codes, "iso3": isos})
    # strip_accents + lower + collapsed spaces: the SQL twin of name_key().
    con.execute(
        "CREATE OR REPLACE TEMP MACRO country_name_key(s) AS "
        "trim(regexp_replace(lower(strip_accents(replace(s, '’', ''''))), '\\s+', ' ', 'g'))"
    )
