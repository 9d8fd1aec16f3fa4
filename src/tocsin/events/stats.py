"""Summary counts of the store, for `tocsin events stats`.

JSON keys (stable): events, fatalities_best, first_date, last_date, batches,
by_source, by_country, by_class, by_year (each a list of {key, events, fatalities}).
"""

from __future__ import annotations

from pathlib import Path

from tocsin.events.store import connect_reader


def compute(home: Path, country: str | None = None) -> dict:
    con = connect_reader(home)
    try:
        where, params = ("WHERE country = ?", [country]) if country else ("", [])
        total, fat, first, last = con.execute(
            f"SELECT count(*), coalesce(sum(fatalities_best), 0), min(event_date), "
            f"max(event_date) FROM events {where}", params).fetchone()
        data = {
            "country": country, "events": total, "fatalities_best": int(fat),
            "first_date": str(first) if first else None,
            "last_date": str(last) if last else None,
            "batches": con.execute("SELECT count(*) FROM batches").fetchone()[0],
        }
        for key, expr, order in [("by_source", "source", "events DESC, key"),
                                 ("by_country", "coalesce(country, '(none)')",
                                  "events DESC, key"),
                                 ("by_class", "event_class", "events DESC, key"),
                                 ("by_year", "CAST(year(event_date) AS VARCHAR)", "key")]:
            rows = con.execute(
                f"SELECT {expr} AS key, count(*) AS events, "
                f"coalesce(sum(fatalities_best), 0) AS fatalities FROM events {where} "
                f"GROUP BY key ORDER BY {order}", params).fetchall()
            data[key] = [{"key": k, "events": n, "fatalities": int(f)} for k, n, f in rows]
        return data
    finally:
        con.close()


def render(data: dict, top: int = 10) -> str:
    if not data["events"]:
        scope = f" for {data['country']}" if data["country"] else ""
        return f"no events stored{scope} (tocsin events ingest FILE...)"
    lines = [
        f"{data['events']:,} events{' in ' + data['country'] if data['country'] else ''}, "
        f"{data['fatalities_best']:,} fatalities (best), "
        f"{data['first_date']} to {data['last_date']}, {data['batches']} batches",
    ]
    for key, title in [("by_source", "source"), ("by_country", "country"),
                       ("by_class", "event class")]:
        rows = data[key]
        lines.append("")
        lines.append(f"{title:28} {'events':>9} {'fatalities':>11}")
        for r in rows[:top]:
            lines.append(f"{r['key']:28} {r['events']:>9,} {r['fatalities']:>11,}")
        if len(rows) > top:
            lines.append(f"... {len(rows) - top} more")
    return "\n".join(lines)
