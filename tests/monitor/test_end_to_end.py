"""A monitor run against the local stand-in: GDELT intervals, ACLED pages and UCDP pages
ingested, the warning pipeline run, new alerts e-mailed to a local SMTP server; then a
second run that fetches nothing new."""

from __future__ import annotations

import time

import pytest

from tests.monitor.helpers import ACLED, GDELT, UCDP, batches, feed_report, once, write_feeds
from tests.warning.test_notify import smtp_server  # noqa: F401 (fixture)


@pytest.mark.slow
def test_one_pass_fetches_every_source_warns_and_notifies_then_nothing_is_new(
        run, home, upstream, acled_rows, smtp_server, capsys):  # noqa: F811
    port, mails = smtp_server
    upstream.acled = acled_rows
    (home / "subscribers.yaml").write_text(
        f"smtp: {{host: 127.0.0.1, port: {port}, from: tocsin@example.org}}\n"
        "subscribers:\n  - {id: desk, email: desk@example.org, min_severity: high}\n")
    write_feeds(home, upstream.base, GDELT, ACLED, UCDP, warn=True)

    started = time.monotonic()
    code, report, err = once(run, home)
    seconds = time.monotonic() - started
    assert code == 0, err
    g, a, u = (feed_report(report, f) for f in ("gdelt", "acled", "ucdp"))
    assert (g["files"], g["events"], g["fetched"]) == (3, 2111, 3)  # three intervals
    assert (a["files"], a["events"], a["fetched"]) == (1, 462, 3)  # three pages
    assert (u["files"], u["events"], u["fetched"]) == (3, 855, 10)  # 8 + 2 pages
    assert len(batches(home)) == 7
    w = report["warning"]
    assert w["signals"]["new_batches"] == 7 and w["alerts_new"] > 0
    assert w["notifications_sent"] == len(mails) > 0 and w["notifications_failed"] == 0
    subjects = [m["Subject"] for m in mails]
    assert any("SDN" in s for s in subjects)  # ACLED: the takeover of 25 October 2021
    assert any("MMR" in s for s in subjects)  # UCDP: Myanmar 2021
    requests = len(upstream.requests)
    figures = (f"\nfirst run: {seconds:.1f} s, {requests} requests; "
          f"gdelt {g['files']} files {g['events']} events; acled {a['fetched']} pages "
          f"{a['events']} events; ucdp {u['fetched']} pages {u['files']} files "
          f"{u['events']} events; {w['signals']['rows']} signal rows; {w['rules']} rules, "
          f"{w['alerts_found']} alerts found, {w['alerts_new']} new; "
          f"{w['notifications_sent']} e-mails to {w['notified_subscribers']} subscriber(s)")
    with capsys.disabled():  # the figures of the run, for whoever runs this with -s
        print(figures)

    # At once again: nothing is due, nothing is asked for.
    code, report, _ = once(run, home)
    assert code == 0 and {f["status"] for f in report["feeds"]} == {"skipped"}
    assert len(upstream.requests) == requests

    # Every feed forced: each asks only whether there is something new; there is not.
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    assert [(f["id"], f["status"], f["files"]) for f in report["feeds"]] == [
        ("gdelt", "ok", 0), ("acled", "ok", 0), ("ucdp", "ok", 0)]
    asked = [r["path"] for r in upstream.requests[requests:]]
    assert asked == ["/gdeltv2/lastupdate.txt", "/api/acled/read", "/api/gedevents/25.0.2"]
    assert report["warning"] is None  # nothing stored: no warning run
    assert len(mails) == w["notifications_sent"] and len(batches(home)) == 7
    with capsys.disabled():
        print(f"second run: {len(asked)} requests ({', '.join(asked)}), nothing stored, "
              "no e-mail")

    code, out, _ = run("monitor", "status", "--home", home)
    assert code == 0
    assert "gdelt (gdelt, every 15m): ok" in out and "last interval 2019-10-24 14:30" in out
    assert "ingested: 1 file, 462 events" in out
    assert "24.1 complete (745 events); 25.0.1 complete (110 events); next candidate 25.0.2" \
        in out
