"""Each source against the local stand-in, in its upstream layout: what a run fetches,
stores and where it leaves the cursor; a second run fetches nothing new."""

from __future__ import annotations

import pytest

from tests.monitor import upstream as up
from tests.monitor.helpers import (
    ACLED,
    GDELT,
    UCDP,
    batches,
    feed_report,
    once,
    state,
    write_feeds,
)


def test_gdelt_catches_up_over_missed_intervals_from_the_master_list(run, home, upstream,
                                                                     exports):
    write_feeds(home, upstream.base, GDELT)
    code, report, err = once(run, home)
    assert code == 0, err
    g = feed_report(report, "gdelt")
    assert g["status"] == "ok" and g["files"] == 3
    assert g["events"] == sum(n for _, n in exports.values()) == 2111
    assert state(home, "gdelt")["cursor"] == {"last": "20191024143000"}
    stored = batches(home)
    assert [b["file"].rsplit("/", 1)[-1] for b in stored] == [
        f"{s}.export.CSV.zip" for s in up.STAMPS]  # oldest first
    assert {b["source"] for b in stored} == {"gdelt2"}
    # Only the end of the master list was read (a range), and the files came from the
    # mirror although the list names data.gdeltproject.org.
    master = [r for r in upstream.requests if r["path"].endswith("masterfilelist.txt")]
    assert master and all(r["headers"].get("range", "").startswith("bytes=-") for r in master)
    assert upstream.count("/gdeltv2/2019") == 3
    assert not (home / "monitor" / "tmp" / "gdelt").exists()  # nothing left behind

    n = len(upstream.requests)
    code, report, _ = once(run, home, "--all")
    assert code == 0 and feed_report(report, "gdelt")["files"] == 0
    assert "nothing new" in feed_report(report, "gdelt")["note"]
    assert [r["path"] for r in upstream.requests[n:]] == ["/gdeltv2/lastupdate.txt"]
    assert len(batches(home)) == 3


def test_gdelt_next_interval_needs_no_master_list_and_catch_up_is_bounded(run, home,
                                                                          upstream, exports):
    upstream.publish_gdelt(exports, up.STAMPS[0])
    write_feeds(home, upstream.base, GDELT.replace("}}", ", catch_up: 1}}"))
    assert once(run, home)[0] == 0
    assert state(home, "gdelt")["cursor"] == {"last": up.STAMPS[0]}
    upstream.publish_gdelt(exports, up.STAMPS[1])  # the very next interval
    n = len(upstream.requests)
    code, report, _ = once(run, home, "--all")
    assert code == 0 and feed_report(report, "gdelt")["files"] == 1
    assert not any(r["path"].endswith("masterfilelist.txt") for r in upstream.requests[n:])
    upstream.publish_gdelt(exports, up.STAMPS[2])
    assert state(home, "gdelt")["cursor"] == {"last": up.STAMPS[1]}
    code, report, _ = once(run, home, "--all")
    assert feed_report(report, "gdelt")["files"] == 1


def test_gdelt_without_ranges_reads_the_whole_master_list(run, home, upstream):
    upstream.ranges = False
    write_feeds(home, upstream.base, GDELT)
    code, report, err = once(run, home)
    assert code == 0, err
    assert feed_report(report, "gdelt")["files"] == 3


def test_gdelt_first_run_without_since_takes_the_latest_interval_only(run, home, upstream):
    write_feeds(home, upstream.base, GDELT.replace(", since: 2019-10-24T14:00:00", ""))
    code, report, _ = once(run, home)
    assert code == 0 and feed_report(report, "gdelt")["files"] == 1
    assert state(home, "gdelt")["cursor"] == {"last": up.STAMPS[-1]}
    assert not any(r["path"].endswith("masterfilelist.txt") for r in upstream.requests)


def test_ucdp_pages_yearly_and_candidate_versions(run, home, upstream, ged_events):
    write_feeds(home, upstream.base, UCDP)
    code, report, err = once(run, home)
    assert code == 0, err
    u = feed_report(report, "ucdp")
    yearly, candidate = len(upstream.ucdp["24.1"]), len(upstream.ucdp["25.0.1"])
    assert u["events"] == yearly + candidate == len(ged_events) == 855
    pages = -(-yearly // 100)
    assert u["files"] == -(-pages // 4) + 1  # four pages a file; the candidate in one
    cur = state(home, "ucdp")["cursor"]
    assert cur["versions"]["24.1"] == {"next_page": pages, "total_pages": pages,
                                       "events": yearly, "complete": True}
    assert cur["versions"]["25.0.1"]["complete"] and cur["candidate_next"] == "25.0.2"
    assert {b["source"] for b in batches(home)} == {"ucdp-ged"}
    # the token went in its header, and never to the host NextPageUrl names
    pages_asked = [r for r in upstream.requests if r["path"].startswith("/api/gedevents/")]
    assert all(r["headers"].get("x-ucdp-access-token") == up.UCDP_TOKEN for r in pages_asked)
    assert [int(r["query"]["page"]) for r in pages_asked
            if r["path"].endswith("/24.1")] == list(range(pages))

    n = len(upstream.requests)
    code, report, _ = once(run, home, "--all")
    assert code == 0 and feed_report(report, "ucdp")["files"] == 0
    assert [r["path"] for r in upstream.requests[n:]] == ["/api/gedevents/25.0.2"]  # a probe
    # UCDP publishes the next candidate release: the next run takes it
    upstream.ucdp["25.0.2"] = upstream.ucdp["25.0.1"][:5]
    upstream.ucdp["25.0.2"][0] = {**upstream.ucdp["25.0.2"][0], "best": 99, "high": 99}
    code, report, _ = once(run, home, "--all")
    u = feed_report(report, "ucdp")
    assert u["files"] == 1 and u["events"] == 1  # one event changed; four unchanged
    assert state(home, "ucdp")["cursor"]["candidate_next"] == "25.0.3"


def test_acled_pages_by_timestamp_and_picks_up_corrections(run, home, upstream, acled_rows):
    upstream.acled = acled_rows
    write_feeds(home, upstream.base, ACLED)
    code, report, err = once(run, home)
    assert code == 0, err
    a = feed_report(report, "acled")
    assert a["files"] == 1 and a["events"] == len(acled_rows) == 462
    assert a["fetched"] == 3  # pages of 200, 200, 62
    reads = [r for r in upstream.requests if r["path"] == "/api/acled/read"]
    assert [r["query"]["page"] for r in reads] == ["1", "2", "3"]
    since = 1609459200  # 2021-01-01T00:00:00Z
    assert {(r["query"]["timestamp"], r["query"]["timestamp_where"], r["query"]["iso"])
            for r in reads} == {(str(since - 1), ">", "729")}
    assert all(r["headers"]["authorization"].startswith("Bearer acled-access-") for r in reads)
    assert upstream.logins == 1
    top = max(int(r["timestamp"]) for r in acled_rows)
    cur = state(home, "acled")["cursor"]
    assert cur["timestamp"] == top
    assert set(cur["ids_at_timestamp"]) == {r["event_id_cnty"] for r in acled_rows
                                            if int(r["timestamp"]) == top}
    (b,) = batches(home)
    assert b["source"] == "acled" and b["rows_stored"] == 462

    # Nothing changed: one page read (the records of the cursor's second), nothing stored.
    code, report, _ = once(run, home, "--all")
    assert code == 0 and feed_report(report, "acled")["files"] == 0
    assert len(batches(home)) == 1

    # ACLED corrects an old event: new fatalities, a new timestamp. It comes back as a
    # new version of that event, nothing else does.
    old = next(r for r in acled_rows if r["event_id_cnty"] == "SUD16188")
    upstream.acled = [r for r in acled_rows if r is not old] + [
        {**old, "fatalities": "3", "timestamp": str(top + 3600)}]
    code, report, _ = once(run, home, "--all")
    a = feed_report(report, "acled")
    assert a["files"] == 1 and a["events"] == 1
    assert batches(home)[-1]["rows_replaced"] == 1
    assert state(home, "acled")["cursor"] == {"timestamp": top + 3600,
                                              "ids_at_timestamp": ["SUD16188"]}


@pytest.mark.parametrize("kind", ["gdelt", "ucdp"])
def test_a_mirror_url_is_all_a_feed_needs(run, home, upstream, kind):
    """Every feed above points at the local stand-in, as an internal mirror would be
    named: no request leaves 127.0.0.1 (the stand-in's NextPageUrl and list URLs name
    the public hosts, and are never called)."""
    write_feeds(home, upstream.base, {"gdelt": GDELT, "ucdp": UCDP}[kind])
    import socket

    real = socket.create_connection
    seen = []

    def only_loopback(address, *a, **kw):
        seen.append(address[0])
        assert address[0] == "127.0.0.1", f"a connection to {address}"
        return real(address, *a, **kw)

    socket.create_connection = only_loopback
    try:
        assert once(run, home)[0] == 0
    finally:
        socket.create_connection = real
    assert seen and set(seen) == {"127.0.0.1"}
