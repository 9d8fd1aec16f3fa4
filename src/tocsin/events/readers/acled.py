"""ACLED exports: legacy (2016, UPPERCASE, GWNO, DD/MM/YYYY, Windows-1252),
classic (2019-2022, data_id/iso) and current (2023 on, disorder_type).

Column names are matched lower-cased, so the three layouts share one query.
"""

from __future__ import annotations

from tocsin.events import taxonomy
from tocsin.events.csvrows import read_chunks
from tocsin.events.readers.common import (
    col,
    country_join,
    field_count_check,
    select_sql,
    stage_chunks,
)
from tocsin.events.sqlparts import check_coord, check_whole, date_any, q, text, whole

# 31-Dec-21 (re-saved in a spreadsheet), 2021-01-02T00:00:00Z (Myanmar file).
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%b-%y", "%Y-%m-%dT%H:%M:%SZ", "%d %B %Y"]


def build_sql(names: list[str], batch_id: str) -> str:
    tx = taxonomy.load()
    c = lambda *n: col(names, *n)  # noqa: E731
    event_id = text(c("event_id_cnty"))
    date = date_any(c("event_date"), DATE_FORMATS)
    event_type = text(c("event_type"))
    sub_type = text(c("sub_event_type"))
    fatalities = whole(c("fatalities"))
    base_class = "coalesce(tx.event_class, 'other')"
    coup = q(tx.acled_rules["coup_notes_prefix"].lower())
    klass = (
        f"CASE WHEN {base_class} = 'other' AND lower({text(c('notes'))}) LIKE {coup} || '%' "
        f"THEN 'coup' "
        f"WHEN lower({event_type}) = 'riots/protests' AND {text(c('inter1'))} = "
        f"{q(tx.acled_rules['legacy_riot_inter1'])} THEN 'riot' "
        f"WHEN {base_class} = 'violence-against-civilians' AND {fatalities} >= "
        f"{tx.mass_killing_threshold} THEN 'mass-killing' "
        f"ELSE {base_class} END"
    )
    given_country = f"coalesce({text(c('iso3'))}, {text(c('iso'))}, {text(c('country'))}, " \
                    f"{text(c('gwno'))})"
    country = "coalesce(k3.iso3, kn.iso3, kname.iso3, kgw.iso3)"
    exprs = {
        "uid": f"'acled:' || {event_id}",
        "source": "'acled'",
        "source_id": event_id,
        "source_version": f"TRY_CAST({text(c('timestamp'))} AS BIGINT)",
        "event_date": date,
        "date_end": date,
        "date_precision": f"TRY_CAST({text(c('time_precision'))} AS SMALLINT)",
        "country": country,
        "admin1": text(c("admin1")),
        "admin2": text(c("admin2")),
        "place": text(c("location")),
        "latitude": f"TRY_CAST({text(c('latitude'))} AS DOUBLE)",
        "longitude": f"TRY_CAST({text(c('longitude'))} AS DOUBLE)",
        "geo_precision": f"TRY_CAST({text(c('geo_precision'))} AS SMALLINT)",
        "event_class": klass,
        "source_type": f"{event_type} || coalesce(': ' || {sub_type}, '')",
        "actor1": text(c("actor1")),
        "actor2": text(c("actor2")),
        "fatalities_best": fatalities,
        "fatalities_low": "NULL",
        "fatalities_high": "NULL",
        "civilian_fatalities": "NULL",
        "notes": text(c("notes")),
        "batch_id": q(batch_id),
    }
    checks = [
        field_count_check(len(names)),
        f"CASE WHEN {event_id} IS NULL THEN 'missing event_id_cnty' END",
        f"CASE WHEN {date} IS NULL THEN 'event_date ' || quote_text({c('event_date')}) || "
        "' is not a date (expected YYYY-MM-DD, DD/MM/YYYY or DD-Mon-YY)' END",
        f"CASE WHEN {event_type} IS NULL THEN 'missing event_type' END",
        check_coord(c("latitude"), "latitude", 90),
        check_coord(c("longitude"), "longitude", 180),
        check_whole(c("fatalities"), "fatalities"),
        f"CASE WHEN {country} IS NULL THEN CASE WHEN {given_country} IS NULL THEN "
        f"'missing country' ELSE 'unknown country ' || quote_text({given_country}) END END",
    ]
    from_sql = (
        "raw LEFT JOIN tx_acled tx ON tx.event_type = lower("
        f"{event_type}) AND tx.sub_event_type = coalesce(lower({sub_type}), '')\n"
        + country_join("k3", "iso3", f"upper({text(c('iso3'))})") + "\n"
        + country_join("kn", "numeric", f"CAST(TRY_CAST({text(c('iso'))} AS INTEGER) AS VARCHAR)")
        + "\n" + country_join("kname", "name", text(c("country"))) + "\n"
        + country_join("kgw", "gwno", f"CAST(TRY_CAST({text(c('gwno'))} AS INTEGER) AS VARCHAR)")
    )
    return select_sql(exprs, checks, from_sql)


def stage(con, info, fmt, batch_id: str, table: str, **_options) -> int:
    # The Myanmar file writes missing values as the literal NA.
    chunks = read_chunks(info, ",", na=("NA",))
    return stage_chunks(con, info, table, chunks, lambda names: build_sql(names, batch_id))
