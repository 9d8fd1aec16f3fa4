"""UCDP GED CSV (49 columns). One row per event with at least one death.

Aggregation events (`source_article` AGGREGATION, a date range of a whole
year) keep their range in event_date..date_end with date_precision 4, so
weekly series can leave them out instead of piling them on 1 January.
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

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%g", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
# UCDP where_prec 1..7 and date_prec 1..5 onto Tocsin's scales (docs/events.md).
GEO = "CASE {v} WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 2 WHEN 4 THEN 3 WHEN 5 THEN 3 " \
      "WHEN 6 THEN 4 WHEN 7 THEN 4 END"
DATEP = "CASE {v} WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 2 WHEN 4 THEN 3 WHEN 5 THEN 4 END"


def build_sql(names: list[str], batch_id: str) -> str:
    tx = taxonomy.load()
    c = lambda *n: col(names, *n)  # noqa: E731
    event_id = text(c("id"))
    start = date_any(c("date_start"), DATE_FORMATS)
    end = date_any(c("date_end"), DATE_FORMATS)
    best = whole(c("best"))
    tov = text(c("type_of_violence"))
    klass = (f"CASE WHEN tx.event_class = 'violence-against-civilians' AND {best} >= "
             f"{tx.mass_killing_threshold} THEN 'mass-killing' ELSE tx.event_class END")
    country = "coalesce(kgw.iso3, kname.iso3)"
    given = f"coalesce({text(c('country_id'))}, {text(c('country'))})"
    exprs = {
        "uid": f"'ucdp-ged:' || {event_id}",
        "source": "'ucdp-ged'",
        "source_id": event_id,
        "source_version": "NULL",
        "event_date": start,
        "date_end": f"coalesce({end}, {start})",
        "date_precision": DATEP.format(v=f"TRY_CAST({text(c('date_prec'))} AS INTEGER)"),
        "country": country,
        # "Magway  region": collapse the double spaces the README warns about.
        "admin1": f"regexp_replace({text(c('adm_1'))}, '\\s+', ' ', 'g')",
        "admin2": f"regexp_replace({text(c('adm_2'))}, '\\s+', ' ', 'g')",
        "place": text(c("where_coordinates")),
        "latitude": f"TRY_CAST({text(c('latitude'))} AS DOUBLE)",
        "longitude": f"TRY_CAST({text(c('longitude'))} AS DOUBLE)",
        "geo_precision": GEO.format(v=f"TRY_CAST({text(c('where_prec'))} AS INTEGER)"),
        "event_class": klass,
        "source_type": f"'type_of_violence ' || {tov}",
        "actor1": text(c("side_a")),
        "actor2": text(c("side_b")),
        "fatalities_best": best,
        "fatalities_low": whole(c("low")),
        "fatalities_high": whole(c("high")),
        "civilian_fatalities": whole(c("deaths_civilians")),
        "notes": text(c("source_headline")),
        "batch_id": q(batch_id),
    }
    checks = [
        field_count_check(len(names)),
        f"CASE WHEN {event_id} IS NULL THEN 'missing id' END",
        f"CASE WHEN {start} IS NULL THEN 'date_start ' || quote_text({c('date_start')}) || "
        "' is not a date (expected YYYY-MM-DD)' END",
        f"CASE WHEN {text(c('date_end'))} IS NOT NULL AND {end} IS NULL THEN 'date_end ' || "
        f"quote_text({c('date_end')}) || ' is not a date (expected YYYY-MM-DD)' END",
        f"CASE WHEN {end} < {start} THEN 'date_end is before date_start' END",
        f"CASE WHEN tx.event_class IS NULL THEN 'type_of_violence ' || quote_text({tov}) || "
        "' is not 1, 2 or 3' END",
        check_coord(c("latitude"), "latitude", 90),
        check_coord(c("longitude"), "longitude", 180),
        check_whole(c("best"), "best"),
        check_whole(c("low"), "low"),
        check_whole(c("high"), "high"),
        check_whole(c("deaths_civilians"), "deaths_civilians"),
        f"CASE WHEN {country} IS NULL THEN CASE WHEN {given} IS NULL THEN 'missing country' "
        f"ELSE 'unknown country ' || quote_text({given}) END END",
    ]
    from_sql = (
        f"raw LEFT JOIN tx_ucdp tx ON tx.code = {tov}\n"
        + country_join("kgw", "gwno",
                       f"CAST(TRY_CAST({text(c('country_id'))} AS INTEGER) AS VARCHAR)") + "\n"
        + country_join("kname", "name", text(c("country")))
    )
    return select_sql(exprs, checks, from_sql)


def stage(con, info, fmt, batch_id: str, table: str, **_options) -> int:
    chunks = read_chunks(info, ",")
    return stage_chunks(con, info, table, chunks, lambda names: build_sql(names, batch_id))
