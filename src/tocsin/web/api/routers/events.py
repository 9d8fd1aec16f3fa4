"""Events of the store's published snapshot, filtered and paged."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router

from tocsin.web.api.params import ISO3, NAME, checked_country
from tocsin.web.api.schemas import EventPage

router = Router(tags=["events"])


@router.get("/events", response=EventPage, url_name="events")
def list_events(request, country: str | None = Query(None, pattern=ISO3),
                source: str | None = Query(None, max_length=40, pattern=NAME),
                event_class: str | None = Query(None, max_length=60, pattern=NAME),
                date_from: dt.date | None = Query(None, alias="from"),
                date_to: dt.date | None = Query(None, alias="to"),
                offset: int = Query(0, ge=0, le=100_000_000),
                limit: int = Query(100, ge=1, le=1000)):
    """Events from the store's published snapshot, newest first, paged."""
    from tocsin.web.countries import data

    total, rows = data.events(checked_country(country), source, event_class,
                              date_from, date_to, offset=offset, limit=limit)
    return {"count": total, "offset": offset, "limit": limit, "items": rows}
