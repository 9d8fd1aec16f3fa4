"""GDELT 1.0 daily/backfile files (57 or 58 fields) and GDELT 2.0 15-minute
exports (61 fields): tab-separated, no header, no quoting, zipped or not.

These files are large, so DuckDB's CSV reader parses them and the canonical
row is computed in the same SQL pass. Every code stays text ("040" is not 40).
Line numbers cost a window over the whole file, so the fast path leaves
`_line` empty; the store re-stages with lines only when a problem must be named.
The headered comma-separated re-write of GDELT 2.0 (62 columns) is read through
its header with the CSV reader instead.
"""

from __future__ import annotations

from tocsin.events import countries, taxonomy
from tocsin.events.csvrows import read_chunks
from tocsin.events.readers import col, create_staged, select_sql, stage_chunks
from tocsin.events.sqlparts import check_coord, date_any, q, text

# Field positions (0-based) per layout; the geo blocks differ (1.0 has no ADM2).
V1 = {"id": 0, "sqldate": 1, "actor1code": 5, "actor1name": 6, "actor2code": 15,
      "actor2name": 16, "actor2type1": 22, "eventcode": 26, "geo_type": 49, "geo_name": 50,
      "geo_country": 51, "geo_adm1": 52, "geo_lat": 53, "geo_long": 54, "dateadded": 56,
      "sourceurl": 57}
V2 = {"id": 0, "sqldate": 1, "actor1code": 5, "actor1name": 6, "actor2code": 15,
      "actor2name": 16, "actor2type1": 22, "eventcode": 26, "geo_type": 51, "geo_name": 52,
      "geo_country": 53, "geo_adm1": 54, "geo_adm2": 55, "geo_lat": 56, "geo_long": 57,
      "dateadded": 59, "sourceurl": 60}
HEADERED = {"id": "globaleventid", "sqldate": "sqldate", "actor1code": "actor1code",
            "actor1name": "actor1name", "actor2code": "actor2code", "actor2name": "actor2name",
            "actor2type1": "actor2type1code", "eventcode": "eventcode",
            "geo_type": "actiongeo_type", "geo_name": "actiongeo_fullname",
            "geo_country": "actiongeo_countrycode", "geo_adm1": "actiongeo_adm1code",
            "geo_adm2": "actiongeo_adm2code", "geo_lat": "actiongeo_lat",
            "geo_long": "actiongeo_long", "dateadded": "dateadded", "sourceurl": "sourceurl"}
# GDELT Geo_Type: 1 country, 2 US state, 3 US city, 4 world city, 5 world ADM1.
GEO_PRECISION = "CASE {t} WHEN '1' THEN 4 WHEN '2' THEN 3 WHEN '5' THEN 3 WHEN '3' THEN 1 " \
                "WHEN '4' THEN 1 END"


def build_sql(source: str, f: dict[str, str], batch_id: str, from_sql: str,
              field_checks: list[str], line: str) -> str:
    tx = taxonomy.load()
    rules = tx.cameo_rules
    event_id = text(f["id"])
    date = date_any(f["sqldate"], ["%Y%m%d"])
    code = text(f["eventcode"])
    geo_type = text(f["geo_type"])
    # Backfile rows carry lat/long 0/0 with no geo type: missing, not the Gulf of Guinea.
    has_geo = f"(coalesce({geo_type}, '0') <> '0')"
    lat = f"CASE WHEN {has_geo} THEN TRY_CAST({text(f['geo_lat'])} AS DOUBLE) END"
    lon = f"CASE WHEN {has_geo} THEN TRY_CAST({text(f['geo_long'])} AS DOUBLE) END"
    # Lookups are MAP literals, not joins: with a join DuckDB may choose to build
    # its hash table on the (huge, badly estimated) file side and run out of memory.
    cameo = _map(tx.cameo)
    fips = _map(countries.tables()["fips"])
    base = (f"coalesce({cameo}[left({code}, 4)], {cameo}[left({code}, 3)], "
            f"{cameo}[left({code}, 2)], 'other')")
    civ_from = ", ".join(q(c) for c in rules["civilian_target_from"])
    civ_types = ", ".join(q(c) for c in rules["civilian_target_types"])
    klass = (f"CASE WHEN {base} IN ({civ_from}) AND {text(f['actor2type1'])} IN ({civ_types}) "
             f"THEN {q(rules['civilian_target_to'])} ELSE {base} END")
    geo_country = text(f["geo_country"])
    exprs = {
        "uid": f"'{source}:' || {event_id}",
        "source": q(source),
        "source_id": event_id,
        "source_version": f"TRY_CAST({text(f['dateadded'])} AS BIGINT)",
        "event_date": date,
        "date_end": date,
        "date_precision": "1",
        "country": f"{fips}[{text(f['geo_country'])}]",
        "admin1": text(f["geo_adm1"]),
        "admin2": text(f.get("geo_adm2", "NULL")),
        "place": text(f["geo_name"]),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": GEO_PRECISION.format(t=geo_type),
        "event_class": klass,
        "source_type": code,
        "actor1": f"coalesce({text(f['actor1name'])}, {text(f['actor1code'])})",
        "actor2": f"coalesce({text(f['actor2name'])}, {text(f['actor2code'])})",
        "fatalities_best": "NULL",
        "fatalities_low": "NULL",
        "fatalities_high": "NULL",
        "civilian_fatalities": "NULL",
        "notes": text(f["sourceurl"]),
        "batch_id": q(batch_id),
    }
    checks = field_checks + [
        f"CASE WHEN TRY_CAST({event_id} AS BIGINT) IS NULL THEN 'GLOBALEVENTID ' || "
        f"quote_text({f['id']}) || ' is not a number' END",
        f"CASE WHEN {date} IS NULL THEN 'SQLDATE ' || quote_text({f['sqldate']}) || "
        "' is not a date (expected YYYYMMDD)' END",
        f"CASE WHEN TRY_CAST({code} AS INTEGER) IS NULL OR length({code}) NOT BETWEEN 2 AND 4 "
        "THEN "
        f"'EventCode ' || quote_text({f['eventcode']}) || ' is not a CAMEO code' END",
        f"CASE WHEN {has_geo} THEN {check_coord(f['geo_lat'], 'ActionGeo_Lat', 90)} END",
        f"CASE WHEN {has_geo} THEN {check_coord(f['geo_long'], 'ActionGeo_Long', 180)} END",
        f"CASE WHEN {geo_country} IS NOT NULL AND NOT map_contains({fips}, {geo_country}) THEN "
        f"'unknown country: ActionGeo_CountryCode ' || quote_text({geo_country}) || "
        "' is not a FIPS 10-4 code' END",
    ]
    return select_sql(exprs, checks, from_sql, line=line)


def _map(d: dict) -> str:
    items = ", ".join(f"{q(k)}: {'NULL' if v is None else q(v)}" for k, v in sorted(d.items()))
    return f"MAP {{{items}}}"


def read_csv_sql(info, width: int) -> str:
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    compression = "gzip" if info.compression == "gzip" else "none"
    path = q(str(info.readable))
    # One more column than the layout has: a line with an extra field shows up in it.
    return (f"read_csv({path}, delim='\\t', header=false, quote='', escape='', "
            f"auto_detect=false, columns={cols}, null_padding=true, compression='{compression}', "
            "store_rejects=true, rejects_table='gdelt_rejects', rejects_scan='gdelt_scans')")


def stage(con, info, fmt, batch_id: str, table: str, with_lines: bool = False, **_options) -> int:
    source = fmt.source
    if fmt.layout == "headered":
        def build(names):
            f = {k: col(names, v) for k, v in HEADERED.items()}
            return build_sql(source, f, batch_id, "raw", [], "raw._line")
        return stage_chunks(con, info, table, read_chunks(info, ","), build)

    sql = relation_sql(con, info, fmt, batch_id, with_lines)
    create_staged(con, table)
    con.execute(f"INSERT INTO {table} {sql}")
    rejected = len(rejected_lines(con))
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + rejected


def relation_sql(con, info, fmt, batch_id: str, with_lines: bool = False) -> str:
    """SELECT of canonical rows (+ _line, _problem) straight from a raw GDELT file.

    The store runs it twice on the fast path (check, then insert) rather than
    materialising a staging copy of a file that may hold tens of millions of rows.
    """
    layout, width, min_fields = (V2, 61, 61) if fmt.source == "gdelt2" else (V1, 58, 57)
    f = {k: f"raw.c{i}" for k, i in layout.items()}
    field_checks = [
        f"CASE WHEN raw.c{width} IS NOT NULL THEN 'has more than {width} tab-separated fields' END",
        f"CASE WHEN raw.c{min_fields - 1} IS NULL THEN 'has fewer than {min_fields} "
        "tab-separated fields' END",
    ]
    for t in ("gdelt_rejects", "gdelt_scans"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    scan = read_csv_sql(info, width + 1)
    if with_lines:  # numbered before any join can reorder rows
        from_sql, line = f"(SELECT *, row_number() OVER () AS _rn FROM {scan}) AS raw", "raw._rn"
    else:
        from_sql, line = f"{scan} AS raw", "CAST(NULL AS BIGINT)"
    return build_sql(fmt.source, f, batch_id, from_sql, field_checks, line)


def rejected_lines(con) -> list[tuple[int, str]]:
    """Lines DuckDB's CSV reader could not split (too many fields), with its reason."""
    if not _has(con, "gdelt_rejects"):
        return []
    # DuckDB may log one line more than once (one entry per error it found on it).
    return con.execute("SELECT line, min(error_message) FROM gdelt_rejects "
                       "GROUP BY line ORDER BY line").fetchall()


def _has(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])
