"""Faults on the way, against the local stand-in: a 500, a 429, a time-out, a truncated
body, a wrong MD5, a malformed page, an expired or refused token. In each case nothing
half-downloaded is stored, the cursor does not move past what was stored, the other
feeds go on, and the next run recovers."""

from __future__ import annotations

import json

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

SECOND = f"/gdeltv2/{up.STAMPS[1]}.export.CSV.zip"


def _files(home) -> list[str]:
    return [b["file"].rsplit("/", 1)[-1] for b in batches(home)]


def _nothing_left(home, feed: str) -> None:
    scratch = home / "monitor" / "tmp" / feed
    assert not scratch.exists() or not any(scratch.iterdir()), list(scratch.iterdir())


def _gdelt_stopped_at_the_second_interval(home, report) -> dict:
    g = feed_report(report, "gdelt")
    assert g["status"] == "failed" and g["files"] == 1
    assert _files(home) == [f"{up.STAMPS[0]}.export.CSV.zip"]  # the first interval only
    st = state(home, "gdelt")
    assert st["cursor"] == {"last": up.STAMPS[0]}  # not past what was stored
    assert st["consecutive_failures"] == 1 and st["last_success_at"] is None
    _nothing_left(home, "gdelt")
    return g


def _gdelt_recovers(run, home, upstream) -> None:
    upstream.faults.clear()
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    g = feed_report(report, "gdelt")
    assert g["status"] == "ok" and g["files"] == 2
    assert _files(home) == [f"{s}.export.CSV.zip" for s in up.STAMPS]
    st = state(home, "gdelt")
    assert st["cursor"] == {"last": up.STAMPS[-1]} and st["consecutive_failures"] == 0
    assert sum(b["rows_new"] for b in batches(home)) == 2111  # nothing twice


def test_a_500_is_retried_and_one_that_lasts_fails_the_feed_until_it_clears(run, home,
                                                                            upstream):
    write_feeds(home, upstream.base, GDELT)
    upstream.fault(SECOND, "status", times=1, status=500)
    upstream.fault(f"/gdeltv2/{up.STAMPS[2]}", "status", times=1, status=429,
                   headers={"Retry-After": "1"})
    code, report, err = once(run, home)
    assert code == 0, err  # each cleared within the retries
    assert upstream.count(SECOND) == 2 and feed_report(report, "gdelt")["files"] == 3
    assert "HTTP 500" in err and "HTTP 429" in err and "try 1 of 3" in err  # the log

    home2 = home.parent / "home2"
    home2.mkdir()
    write_feeds(home2, upstream.base, GDELT)
    upstream.fault(SECOND, "status", times=None, status=503)
    code, report, err = once(run, home2)
    assert code == 1
    g = _gdelt_stopped_at_the_second_interval(home2, report)
    assert "HTTP 503" in g["error"] and "2019-10-24 14:15" in g["error"]
    assert upstream.count(f"/gdeltv2/{up.STAMPS[2]}") == 2  # the 429 and its retry, before
    _gdelt_recovers(run, home2, upstream)


def test_a_time_out_leaves_the_cursor_at_the_last_stored_page(run, home, upstream):
    write_feeds(home, upstream.base, UCDP.replace(
        "pages_per_file: 4}}", "pages_per_file: 4, retry: {{attempts: 2, backoff: 0, "
                               "timeout: 0.5}}}}"))
    upstream.fault("/api/gedevents/24.1", "stall", times=2, seconds=1.5, query={"page": 4})
    code, report, err = once(run, home)
    assert code == 1
    u = feed_report(report, "ucdp")
    assert u["status"] == "failed" and "timed out" in u["error"]
    assert u["files"] == 1 and u["events"] == 400  # pages 0-3, stored before the stall
    mark = state(home, "ucdp")["cursor"]["versions"]["24.1"]
    assert mark["next_page"] == 4 and not mark["complete"]
    assert len(batches(home)) == 1
    _nothing_left(home, "ucdp")

    n = len(upstream.requests)
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    first = next(r for r in upstream.requests[n:] if r["path"] == "/api/gedevents/24.1")
    assert first["query"]["page"] == "4"  # it resumes where the store is
    assert state(home, "ucdp")["cursor"]["versions"]["24.1"]["complete"]
    assert sum(b["rows_new"] for b in batches(home)) == 855


def test_a_truncated_body_is_never_stored(run, home, upstream):
    write_feeds(home, upstream.base, GDELT)
    upstream.fault(SECOND, "truncate", times=None)
    code, report, err = once(run, home)
    assert code == 1
    g = _gdelt_stopped_at_the_second_interval(home, report)
    assert "truncated" in g["error"]
    assert upstream.count(SECOND) == 3  # tried three times
    _gdelt_recovers(run, home, upstream)


def test_a_wrong_md5_is_never_stored(run, home, upstream):
    write_feeds(home, upstream.base, GDELT)
    upstream.fault(SECOND, "corrupt", times=None)  # same size, one byte changed
    code, report, err = once(run, home)
    assert code == 1
    g = _gdelt_stopped_at_the_second_interval(home, report)
    assert "MD5" in g["error"] and "is not the" in g["error"]
    _gdelt_recovers(run, home, upstream)


def test_a_malformed_page_stores_nothing_of_the_pages_that_belong_together(run, home,
                                                                          upstream,
                                                                          acled_rows):
    upstream.acled = acled_rows
    write_feeds(home, upstream.base, ACLED, UCDP.replace("pages_per_file: 4",
                                                         "pages_per_file: 1"))
    upstream.fault("/api/acled/read", "malformed", times=None, query={"page": 2})
    upstream.fault("/api/gedevents/24.1", "malformed", times=None, query={"page": 1})
    code, report, err = once(run, home)
    assert code == 1
    a, u = feed_report(report, "acled"), feed_report(report, "ucdp")
    assert a["status"] == "failed" and "not JSON" in a["error"] and a["files"] == 0
    assert state(home, "acled")["cursor"] == {}  # ACLED's pages are one delivery: none
    # UCDP's page 0 was stored on its own before page 1 came back malformed
    assert u["status"] == "failed" and u["files"] == 1 and u["events"] == 100
    assert state(home, "ucdp")["cursor"]["versions"]["24.1"]["next_page"] == 1
    assert [b["source"] for b in batches(home)] == ["ucdp-ged"]

    upstream.faults.clear()
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    assert feed_report(report, "acled")["events"] == 462
    assert sum(b["rows_new"] for b in batches(home) if b["source"] == "ucdp-ged") == 855


def test_an_expired_token_is_renewed_and_the_run_goes_on(run, home, upstream, acled_rows):
    upstream.acled = acled_rows
    write_feeds(home, upstream.base, ACLED)
    upstream.fault("/api/acled/read", "expire", times=1, query={"page": 2})
    code, report, err = once(run, home)
    assert code == 0, err
    assert feed_report(report, "acled")["events"] == 462
    assert upstream.logins == 1 and upstream.refreshes == 1  # renewed, not logged in again
    statuses = [r for r in upstream.requests if r["path"] == "/api/acled/read"]
    assert [r["query"]["page"] for r in statuses] == ["1", "2", "2", "3"]

    # The refresh token has expired too: the monitor logs in again with the password.
    upstream.refresh_tokens.clear()
    upstream.fault("/api/acled/read", "expire", times=1)
    upstream.acled = acled_rows + [{**acled_rows[0], "event_id_cnty": "SUD99999",
                                    "timestamp": str(2_000_000_000)}]
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    assert feed_report(report, "acled")["events"] == 1 and upstream.logins == 2


def test_refused_credentials_fail_the_feed_without_a_secret_in_any_log_or_status(
        run, home, upstream, monkeypatch, acled_rows):
    upstream.acled = acled_rows
    wrong_password, wrong_token = "Wr0ng-acled-password", "Wr0ng-ucdp-token-value"
    monkeypatch.setenv("TEST_ACLED_PASSWORD", wrong_password)
    monkeypatch.setenv("TEST_UCDP_TOKEN", wrong_token)
    write_feeds(home, upstream.base, ACLED, UCDP, GDELT)
    code, report, err = once(run, home)
    assert code == 1
    a, u, g = (feed_report(report, f) for f in ("acled", "ucdp", "gdelt"))
    assert a["status"] == "failed" and "login failed" in a["error"] and "HTTP 401" in a["error"]
    assert u["status"] == "failed" and "refused the access token" in u["error"]
    assert g["status"] == "ok" and g["files"] == 3  # the others go on
    # the secrets went where they belong ...
    login = next(r for r in upstream.requests if r["path"] == "/oauth/token")
    assert wrong_password in login["body"].decode()
    assert any(r["headers"].get("x-ucdp-access-token") == wrong_token
               for r in upstream.requests)
    # ... and nowhere else: not in the report, the log, the status files, the status command
    code2, status_out, status_err = run("monitor", "status", "--home", home, "--format",
                                        "json")
    assert code2 == 1 and json.loads(status_out)["failing"] == ["acled", "ucdp"]
    files = "".join(p.read_text() for p in (home / "monitor").rglob("*.json"))
    seen = json.dumps(report) + err + status_out + status_err + files
    for secret in (wrong_password, wrong_token, up.ACLED_PASSWORD, up.UCDP_TOKEN):
        assert secret not in seen
    assert "TEST_ACLED_PASSWORD" not in a["error"]  # the login was tried: not a missing variable


def test_a_missing_credential_names_the_variable_and_makes_no_request(run, home, upstream,
                                                                      monkeypatch):
    monkeypatch.delenv("TEST_UCDP_TOKEN")
    write_feeds(home, upstream.base, UCDP)
    code, report, _ = once(run, home)
    assert code == 1
    assert feed_report(report, "ucdp")["error"] == ("UCDP token: environment variable "
                                                    "TEST_UCDP_TOKEN is not set")
    assert upstream.requests == []


def test_a_malformed_update_list_fails_the_feed_with_its_line(run, home, upstream, exports):
    write_feeds(home, upstream.base, GDELT)
    good = upstream.files["/gdeltv2/lastupdate.txt"]
    upstream.files["/gdeltv2/lastupdate.txt"] = b"<html>Service Unavailable</html>\n"
    code, report, _ = once(run, home)
    g = feed_report(report, "gdelt")
    assert code == 1 and g["files"] == 0
    assert "lastupdate.txt:1: expected '<size> <md5> <url>'" in g["error"]
    assert batches(home) == [] and state(home, "gdelt")["cursor"] == {}
    # A damaged line in the master list names no export: it is passed over.
    upstream.files["/gdeltv2/lastupdate.txt"] = good
    master = upstream.files["/gdeltv2/masterfilelist.txt"].decode().splitlines()
    master.insert(len(master) - 5, "   http://data.gdeltproject.org/gdeltv2/broken-line")
    upstream.files["/gdeltv2/masterfilelist.txt"] = ("\n".join(master) + "\n").encode()
    code, report, err = once(run, home, "--all")
    assert code == 0, err
    assert feed_report(report, "gdelt")["files"] == 3
    assert state(home, "gdelt")["cursor"] == {"last": up.STAMPS[-1]}
