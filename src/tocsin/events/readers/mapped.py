"""Any other CSV, read through a YAML column mapping (see docs/events.md).

    source: hrw-incidents          # becomes the uid prefix: hrw-incidents:<id>
    delimiter: ","                 # optional
    date_formats: ["%d.%m.%Y"]     # optional; ISO dates always work
    country_scheme: name           # iso3 | numeric | fips | gwno | name (default iso3)
    columns:                       # canonical field -> column in the file
      source_id: incident_no
      event_date: date
      country: country
      event_type: category         # raw type, mapped by `classes` below
      latitude: lat
      longitude: lon
      fatalities_best: killed
      notes: summary
    classes:                       # raw type -> canonical class (taxonomy.yaml)
      massacre: mass-killing
    default_class: other

Mistakes in the mapping are reported with the mapping file's line numbers.
"""

from __future__ import annotations

import re

from tocsin.countries import SCHEMES
from tocsin.errors import InputError
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
from tocsin.yamlsource import read_yaml

TEXT_FIELDS = ("admin1", "admin2", "place", "actor1", "actor2", "notes")
NUMBER_FIELDS = ("fatalities_best", "fatalities_low", "fatalities_high", "civilian_fatalities")
FIELDS = ("source_id", "source_version", "event_date", "date_end", "country", "latitude",
          "longitude", "event_type", "event_class") + TEXT_FIELDS + NUMBER_FIELDS
KEYS = ("source", "delimiter", "date_formats", "country_scheme", "columns", "classes",
        "default_class", "description")
ISO_DATES = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def load_mapping(path) -> dict:
    doc = read_yaml(path)
    data = doc.data
    problems = []
    if not isinstance(data, dict):
        raise InputError(doc.problem([], "a column mapping must be a YAML mapping"))
    for key in data:
        if key not in KEYS:
            problems.append(doc.problem([key], f"unknown key {key!r}; expected one of "
                                               f"{', '.join(KEYS)}"))
    source = data.get("source")
    if not isinstance(source, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", source or ""):
        problems.append(doc.problem(["source"], "source must be a short lower-case name "
                                                "(letters, digits, - _ .), e.g. my-monitor"))
    elif source in ("acled", "ucdp-ged", "gdelt1", "gdelt2"):
        problems.append(doc.problem(["source"], f"source {source!r} is a built-in reader's "
                                                "name; pick another so ids do not collide"))
    columns = data.get("columns")
    if not isinstance(columns, dict):
        problems.append(doc.problem(["columns"], "columns must map canonical fields to "
                                                 "column names"))
        columns = {}
    for field, column in columns.items():
        if field not in FIELDS:
            problems.append(doc.problem(["columns", field], f"unknown field {field!r}; "
                                                            f"expected one of {', '.join(FIELDS)}"))
        elif not isinstance(column, str) or not column.strip():
            problems.append(doc.problem(["columns", field], "column name must be text"))
    for need in ("source_id", "event_date"):
        if need not in columns:
            problems.append(doc.problem(["columns"], f"columns.{need} is required"))
    scheme = data.get("country_scheme", "iso3")
    if scheme not in SCHEMES:
        problems.append(doc.problem(["country_scheme"], f"country_scheme must be one of "
                                                        f"{', '.join(SCHEMES)}"))
    known = taxonomy.load().classes
    classes = data.get("classes") or {}
    if not isinstance(classes, dict):
        problems.append(doc.problem(["classes"], "classes must map source types to classes"))
        classes = {}
    for raw_type, klass in classes.items():
        if klass not in known:
            problems.append(doc.problem(["classes", raw_type], f"unknown event class {klass!r}"))
    default = data.get("default_class", "other")
    if default not in known:
        problems.append(doc.problem(["default_class"], f"unknown event class {default!r}"))
    formats = data.get("date_formats") or []
    if isinstance(formats, str):
        formats = [formats]
    if problems:
        raise InputError(problems)
    return {"source": source, "delimiter": data.get("delimiter", ","), "columns": columns,
            "scheme": scheme, "classes": {str(k).lower(): v for k, v in classes.items()},
            "default_class": default, "date_formats": list(formats) + ISO_DATES,
            "doc": doc}


def build_sql(names: list[str], m: dict, batch_id: str) -> str:
    cols = m["columns"]
    missing = [(f, c) for f, c in cols.items() if c.strip().lower() not in names]
    if missing:
        doc = m["doc"]
        raise InputError([doc.problem(["columns", f], f"column {c!r} is not in the file's header "
                                                      f"({', '.join(names[:12])}...)")
                          for f, c in missing])

    def c(field):
        return col(names, cols[field].strip().lower()) if field in cols else "CAST(NULL AS VARCHAR)"

    event_id = text(c("source_id"))
    date = date_any(c("event_date"), m["date_formats"])
    end = date_any(c("date_end"), m["date_formats"])
    raw_type = text(c("event_type"))
    klass = f"coalesce({text(c('event_class'))}, mc.event_class, {q(m['default_class'])})"
    exprs = {
        "uid": f"{q(m['source'] + ':')} || {event_id}",
        "source": q(m["source"]),
        "source_id": event_id,
        "source_version": f"TRY_CAST({text(c('source_version'))} AS BIGINT)",
        "event_date": date,
        "date_end": f"coalesce({end}, {date})",
        "date_precision": "NULL",
        "country": "kc.iso3",
        "latitude": f"TRY_CAST({text(c('latitude'))} AS DOUBLE)",
        "longitude": f"TRY_CAST({text(c('longitude'))} AS DOUBLE)",
        "geo_precision": "NULL",
        "event_class": klass,
        "source_type": f"coalesce({raw_type}, {text(c('event_class'))})",
        "batch_id": q(batch_id),
    }
    exprs.update({f: text(c(f)) for f in TEXT_FIELDS})
    exprs.update({f: whole(c(f)) for f in NUMBER_FIELDS})
    given = text(c("country"))
    key = f"upper({given})" if m["scheme"] in ("iso3", "fips") else given
    if m["scheme"] in ("numeric", "gwno"):
        key = f"CAST(TRY_CAST({given} AS INTEGER) AS VARCHAR)"
    checks = [
        field_count_check(len(names)),
        f"CASE WHEN {event_id} IS NULL THEN 'missing {cols['source_id']}' END",
        f"CASE WHEN {date} IS NULL THEN {q(cols['event_date'] + ' ')} || "
        f"quote_text({c('event_date')}) || ' is not a date' END",
        check_coord(c("latitude"), "latitude", 90),
        check_coord(c("longitude"), "longitude", 180),
        f"CASE WHEN {given} IS NOT NULL AND kc.code IS NULL THEN 'unknown country ' || "
        f"quote_text({given}) END",
        f"CASE WHEN {text(c('event_class'))} IS NOT NULL AND {text(c('event_class'))} NOT IN "
        f"(SELECT event_class FROM tx_classes) THEN 'unknown event class ' || "
        f"quote_text({c('event_class')}) END",
    ] + [check_whole(c(f), f) for f in NUMBER_FIELDS if f in cols]
    from_sql = (f"raw LEFT JOIN mapped_classes mc ON mc.raw_type = lower({raw_type})\n"
                + country_join("kc", m["scheme"], key))
    return select_sql(exprs, checks, from_sql)


def stage(con, info, fmt, batch_id: str, table: str, mapping=None, **_options) -> int:
    from tocsin.events.sqlparts import create_table

    if mapping is None:
        raise InputError.single(info.path, "--source mapped needs --mapping FILE.yaml")
    m = load_mapping(mapping)
    create_table(con, "mapped_classes", {"raw_type": list(m["classes"]),
                                         "event_class": list(m["classes"].values())})
    chunks = read_chunks(info, m["delimiter"])
    return stage_chunks(con, info, table, chunks, lambda names: build_sql(names, m, batch_id))
