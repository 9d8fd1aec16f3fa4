"""Source readers. Each turns one input file into rows of the canonical schema
(plus `_line` and `_problem`) in the DuckDB table the ingest names.

A reader is a function `stage(con, info, fmt, batch_id, table, **options) -> rows read`;
what they share is in `common.py`.
"""

from __future__ import annotations


def reader_for(source: str):
    from tocsin.events.readers import acled, gdelt, mapped, ucdp

    return {"acled": acled.stage, "ucdp-ged": ucdp.stage, "gdelt1": gdelt.stage,
            "gdelt2": gdelt.stage, "mapped": mapped.stage}[source]
