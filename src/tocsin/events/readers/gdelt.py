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

from tocsin import countries as country_codes
from tocsin.events import schema, taxonomy
from tocsin.events.csvrows import read_chunks
from tocsin.events.readers.common import col, create_staged, stage_chunks
from tocsin.events.sqlparts import problems, q

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


def admin1_name_sql(geo_type: str, full_name: str, adm1_code: str) -> str:
    """The first-order unit's NAME, from the geo's full name, as SQL (NULL if none).

    GDELT gives the unit as a FIPS 10-4 code (``ADM1Code``: "KE05", the country's code
    alone when it knows no unit) and names it only inside ``FullName``, which the
    codebook writes "City/Landmark, ADM1, Country" ("Nairobi, Nairobi Area, Kenya"),
    "ADM1, Country" for US and world states ("Texas, United States"), and the bare
    country name for a country (Geo_Type 1). In the files a state may also come with a
    landmark first ("Bayelsa State, Bayelsa, Nigeria") and a unit's name may itself hold
    a comma ("London, London, City of, United Kingdom"): so the name is everything
    between the first part and the country (the last part), or the first part of a
    two-part state. None for a country-level geo, a code without a unit, or GDELT's
    "<Country> (general)" placeholder (the "00" units: somewhere in the country). A unit
    GDELT cannot name stays as it writes it ("(PL67)"). The arguments are SQL
    expressions (``build_sql`` passes the parsed columns).
    """
    parts = f"string_split({full_name}, ', ')"
    name = (f"CASE WHEN len({parts}) >= 3 "
            f"THEN array_to_string(list_slice({parts}, 2, len({parts}) - 1), ', ') "
            f"WHEN len({parts}) = 2 AND {geo_type} IN ('2', '5') THEN {parts}[1] END")
    return (f"CASE WHEN coalesce({geo_type}, '1') IN ('0', '1') "
            f"OR length(coalesce({adm1_code}, '')) <= 2 THEN NULL "
            f"ELSE nullif(regexp_replace({name}, '^.* \\(general\\)$', ''), '') END")


def build_sql(source: str, f: dict[str, str], batch_id: str, from_sql: str,
              field_checks: list[tuple[str, str]], line: str) -> str:
    """SELECT of canonical rows plus `_line`, `_ok` (the row passes every check) and
    `_problem` (why not), from raw GDELT text columns `f` of `from_sql`.

    Each raw value is parsed once, in an inner query; the checks then test the
    parsed values, and the message naming a problem is built only for failing
    rows. Fields are not trimmed: GDELT writes none with padding, and a padded
    code would fail its lookup and be reported, not pass silently.
    """
    tx = taxonomy.load()
    rules = tx.cameo_rules
    cameo = _map(tx.cameo)
    fips_table = country_codes.tables()["fips"]
    fips = _map(fips_table)
    # FIPS codes with no ISO3 (e.g. OS, oceans): known, stored with country NULL.
    unmapped = ", ".join(q(k) for k, iso in sorted(fips_table.items()) if iso is None) or "NULL"

    def v(key):  # the raw field, empty as NULL
        return f"nullif({f[key]}, '')" if key in f else "CAST(NULL AS VARCHAR)"

    parsed = {
        "id": v("id"),
        "id_n": f"TRY_CAST({v('id')} AS BIGINT)",
        "d": f"CAST(try_strptime({v('sqldate')}, '%Y%m%d') AS DATE)",
        "code": v("eventcode"),
        "code_n": f"TRY_CAST({v('eventcode')} AS INTEGER)",
        "geo_type": v("geo_type"),
        "lat_t": v("geo_lat"),
        "lon_t": v("geo_long"),
        "lat_n": f"TRY_CAST({v('geo_lat')} AS DOUBLE)",
        "lon_n": f"TRY_CAST({v('geo_long')} AS DOUBLE)",
        "gc": v("geo_country"),
        "iso3": f"{fips}[{v('geo_country')}]",
        "adm1": v("geo_adm1"),
        "adm2": v("geo_adm2"),
        "place": v("geo_name"),
        "a1": f"coalesce({v('actor1name')}, {v('actor1code')})",
        "a2": f"coalesce({v('actor2name')}, {v('actor2code')})",
        "a2type": v("actor2type1"),
        "base": "coalesce(" + ", ".join(f"{cameo}[left({v('eventcode')}, {n})]"
                                        for n in (4, 3, 2)) + ", 'other')",
        "added": f"TRY_CAST({v('dateadded')} AS BIGINT)",
        "url": v("sourceurl"),
        "raw_id": f["id"], "raw_date": f["sqldate"], "raw_code": f["eventcode"],
        "raw_lat": f["geo_lat"], "raw_lon": f["geo_long"],
    }
    parsed.update({f"fc{i}": cond for i, (cond, _) in enumerate(field_checks)})
    inner = ", ".join(f"{e} AS {k}" for k, e in parsed.items())
    # Backfile rows carry lat/long 0/0 with no geo type: missing, not the Gulf of Guinea.
    has_geo = "(coalesce(p.geo_type, '0') <> '0')"
    base = "p.base"  # the class by the code's longest known prefix
    civ_from = ", ".join(q(c) for c in rules["civilian_target_from"])
    civ_types = ", ".join(q(c) for c in rules["civilian_target_types"])
    klass = (f"CASE WHEN {base} IN ({civ_from}) AND p.a2type IN ({civ_types}) "
             f"THEN {q(rules['civilian_target_to'])} ELSE {base} END")
    exprs = {
        "uid": f"'{source}:' || p.id",
        "source": q(source),
        "source_id": "p.id",
        "source_version": "p.added",
        "event_date": "p.d",
        "date_end": "p.d",
        "date_precision": "1",
        "country": "p.iso3",
        # The unit's name (the code has no column of its own; ``place`` keeps the full name).
        "admin1": admin1_name_sql("p.geo_type", "p.place", "p.adm1"),
        "admin2": "p.adm2",
        "place": "p.place",
        "latitude": f"CASE WHEN {has_geo} THEN p.lat_n END",
        "longitude": f"CASE WHEN {has_geo} THEN p.lon_n END",
        "geo_precision": GEO_PRECISION.format(t="p.geo_type"),
        "event_class": klass,
        "source_type": "p.code",
        "actor1": "p.a1",
        "actor2": "p.a2",
        "fatalities_best": "NULL",
        "fatalities_low": "NULL",
        "fatalities_high": "NULL",
        "civilian_fatalities": "NULL",
        "notes": "p.url",
        "batch_id": q(batch_id),
    }
    coord_ok = "(NOT {g} OR {t} IS NULL OR ({n} IS NOT NULL AND abs({n}) <= {lim}))"
    ok_parts = [f"NOT p.fc{i}" for i in range(len(field_checks))] + [
        "p.id_n IS NOT NULL",
        "p.d IS NOT NULL",
        "(p.code_n IS NOT NULL AND length(p.code) BETWEEN 2 AND 4)",
        coord_ok.format(g=has_geo, t="p.lat_t", n="p.lat_n", lim=90),
        coord_ok.format(g=has_geo, t="p.lon_t", n="p.lon_n", lim=180),
        f"(p.gc IS NULL OR p.iso3 IS NOT NULL OR p.gc IN ({unmapped}))",
    ]
    ok = "(" + " AND ".join(ok_parts) + ")"
    checks = [f"CASE WHEN p.fc{i} THEN {q(msg)} END" for i, (_, msg) in enumerate(field_checks)] + [
        "CASE WHEN p.id_n IS NULL THEN 'GLOBALEVENTID ' || quote_text(p.raw_id) || "
        "' is not a number' END",
        "CASE WHEN p.d IS NULL THEN 'SQLDATE ' || quote_text(p.raw_date) || "
        "' is not a date (expected YYYYMMDD)' END",
        "CASE WHEN p.code_n IS NULL OR length(p.code) NOT BETWEEN 2 AND 4 THEN "
        "'EventCode ' || quote_text(p.raw_code) || ' is not a CAMEO code' END",
        f"CASE WHEN {has_geo} THEN {_coord_message('lat', 'ActionGeo_Lat', 90)} END",
        f"CASE WHEN {has_geo} THEN {_coord_message('lon', 'ActionGeo_Long', 180)} END",
        f"CASE WHEN p.gc IS NOT NULL AND p.iso3 IS NULL AND p.gc NOT IN ({unmapped}) THEN "
        "'unknown country: ActionGeo_CountryCode ' || quote_text(p.gc) || "
        "' is not a FIPS 10-4 code' END",
    ]
    cols = ",\n  ".join(f"CAST({exprs[n]} AS {schema.TYPES[n]}) AS {n}" for n in schema.NAMES)
    return (f"SELECT\n  {cols},\n  p._line AS _line,\n  {ok} AS _ok,\n"
            f"  CASE WHEN {ok} THEN NULL ELSE {problems(checks)} END AS _problem\n"
            f"FROM (SELECT {inner}, {line} AS _line FROM {from_sql}) AS p")


def _coord_message(which: str, label: str, limit: int) -> str:
    t, n, raw = f"p.{which}_t", f"p.{which}_n", f"p.raw_{which}"
    return (f"CASE WHEN {t} IS NOT NULL AND ({n} IS NULL OR abs({n}) > {limit}) THEN "
            f"{q(label + ' ')} || quote_text({raw}) || "
            f"' is not a number between -{limit} and {limit}' END")


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
            sql = build_sql(source, f, batch_id, "raw", [], "raw._line")
            return f"SELECT * EXCLUDE (_ok) FROM ({sql})"
        return stage_chunks(con, info, table, read_chunks(info, ","), build)

    sql = relation_sql(con, info, fmt, batch_id, with_lines)
    create_staged(con, table)
    con.execute(f"INSERT INTO {table} SELECT * EXCLUDE (_ok) FROM ({sql})")
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
        (f"raw.c{width} IS NOT NULL", f"has more than {width} tab-separated fields"),
        (f"raw.c{min_fields - 1} IS NULL", f"has fewer than {min_fields} tab-separated fields"),
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
