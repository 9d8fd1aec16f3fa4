"""Settling a new segment against the stored events: new, replaced or unchanged rows.

A higher source_version wins; a lower one is stale and dropped. With equal or
missing versions the newer delivery wins if its content differs; identical rows
keep the stored copy, so re-delivery stores nothing. The losers are removed by
rewriting the segments that hold them.
"""

from __future__ import annotations

from pathlib import Path

from tocsin.events import schema
from tocsin.events.segments import NextGeneration, parquet_list
from tocsin.events.sqlparts import q


def resolve(con, gen: NextGeneration, result, seg: Path | None, n_good: int) -> None:
    """Add the new segment `seg` (`n_good` rows) to `gen`, settling its uids that are
    already stored, and fill in the counts of `result` (a BatchResult)."""
    result.rows_new = result.rows_stored = n_good
    if seg is None:
        return
    if not gen.segments:
        gen.segments.append(seg)
        return
    differs = " OR ".join(f"g.{c} IS DISTINCT FROM e.{c}" for c in schema.CONTENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE matched AS
        SELECT g.uid, e.filename AS segment, CASE
          WHEN g.source_version < e.source_version THEN 'older'
          WHEN g.source_version > e.source_version THEN 'replace'
          WHEN {differs} THEN 'replace'
          ELSE 'unchanged' END AS action
        FROM read_parquet({q(str(seg))}) g
        JOIN read_parquet({parquet_list(gen.segments)}, filename = true) e ON g.uid = e.uid""")
    counts = dict(con.execute("SELECT action, count(*) FROM matched GROUP BY action").fetchall())
    replaced = [Path(p) for (p,) in con.execute(
        "SELECT DISTINCT segment FROM matched WHERE action = 'replace'").fetchall()]
    for old in replaced:
        new, _ = gen.write(
            f"SELECT s.* FROM read_parquet({q(str(old))}) s ANTI JOIN "
            f"(SELECT uid FROM matched WHERE action = 'replace' AND segment = {q(str(old))}) m "
            "ON s.uid = m.uid", result.batch_id)
        gen.replace(old, new)
    if counts.get("unchanged") or counts.get("older"):
        new, _ = gen.write(
            f"SELECT s.* FROM read_parquet({q(str(seg))}) s ANTI JOIN "
            "(SELECT uid FROM matched WHERE action <> 'replace') m ON s.uid = m.uid",
            result.batch_id)
        seg.unlink()
        seg = new
    if seg is not None:
        gen.segments.append(seg)
    con.execute("DROP TABLE matched")
    result.rows_replaced = counts.get("replace", 0)
    result.rows_unchanged = counts.get("unchanged", 0) + counts.get("older", 0)
    result.rows_new = n_good - sum(counts.values())
    result.rows_stored = result.rows_new + result.rows_replaced
    if counts.get("older"):
        result.notes.append(f"{counts['older']} rows are older versions of stored events "
                            "and were not stored")
