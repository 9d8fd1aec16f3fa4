"""The watched folder; the feeds file's problems with file and line; without a feeds file,
nothing at all (no network call)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import time

import pytest

from tests.monitor.helpers import batches, feed_report, once, state, write_feeds


def _sample(name: str):
    from tocsin.events import samples

    return next(p for p in samples.paths() if p.name == name)


def _old(path) -> None:
    then = time.time() - 3600
    os.utime(path, (then, then))


def test_dropped_files_are_ingested_once_each_and_moved_with_their_reason(run, home,
                                                                          tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(_sample("ucdp_ged_myanmar_2021.csv.gz"), inbox / "ged-2021.csv.gz")
    (inbox / "notes.csv").write_text("when,what\n2021-02-01,something\n")
    (inbox / ".hidden.csv").write_text("x")
    (inbox / "coming.csv.part").write_text("x")
    (inbox / "sub").mkdir()
    for p in inbox.iterdir():
        _old(p)
    shutil.copy(_sample("gdelt2_20191024143000.export.CSV.gz"), inbox / "fresh.CSV.gz")
    write_feeds(home, "", f"{{id: inbox, kind: folder, every: 1m, settle: 30s, "
                          f"path: \"{inbox}\"}}")
    code, report, err = once(run, home)
    assert code == 0, err
    f = feed_report(report, "inbox")
    assert f["files"] == 1 and f["events"] == 855
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["ged-2021.csv.gz"]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "notes.csv", "notes.csv.reason.txt"]
    reason = (inbox / "rejected" / "notes.csv.reason.txt").read_text()
    assert "not a recognised event file" in reason and "notes.csv" in reason
    # left alone: hidden, partial, a folder, and a file still being written
    assert sorted(p.name for p in inbox.iterdir()) == [
        ".hidden.csv", "coming.csv.part", "done", "fresh.CSV.gz", "rejected", "sub"]
    assert state(home, "inbox")["cursor"] == {"done": 1, "rejected": 1,
                                              "last_file": "notes.csv"}

    # The same bytes again under another name, a second bad file of the same name, and
    # the fresh file now settled.
    shutil.copy(_sample("ucdp_ged_myanmar_2021.csv.gz"), inbox / "again.csv.gz")
    (inbox / "notes.csv").write_text("not,events\n")
    for name in ("again.csv.gz", "notes.csv", "fresh.CSV.gz"):
        _old(inbox / name)
    code, report, err = once(run, home, "--all")
    f = feed_report(report, "inbox")
    assert f["files"] == 1 and f["events"] == 2111 and "already in the store" in f["note"]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "again.csv.gz", "fresh.CSV.gz", "ged-2021.csv.gz"]
    assert (inbox / "rejected" / "notes.1.csv.reason.txt").exists()  # nothing overwritten
    assert len(batches(home)) == 2
    code, report, _ = once(run, home, "--all")
    assert feed_report(report, "inbox")["note"] == "nothing new"


def test_a_missing_folder_is_a_failure_of_that_feed(run, home, tmp_path):
    write_feeds(home, "", f"{{id: inbox, kind: folder, path: \"{tmp_path / 'nowhere'}\"}}")
    code, report, _ = once(run, home)
    assert code == 1
    assert "does not exist" in feed_report(report, "inbox")["error"]


def test_without_a_feeds_file_monitor_once_does_nothing_and_makes_no_network_call(
        run, home, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tocsin monitor made a network call")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    code, out, err = run("monitor", "--once", "--home", home)
    assert code == 0, err
    assert out.strip() == (f"no feeds configured: {home.resolve()}/feeds.yaml does not exist, "
                           "so Tocsin fetches nothing by itself (see docs/monitoring.md); "
                           "nothing done")
    code, out, _ = run("monitor", "--once", "--home", home, "--format", "json")
    assert code == 0 and json.loads(out)["configured"] is False
    code, out, _ = run("monitor", "--home", home)  # nor does the loop: it has nothing to do
    assert code == 0 and "no feeds configured" in out
    assert list(home.iterdir()) == []  # not even a folder for the monitor
    code, out, _ = run("monitor", "status", "--home", home)
    assert code == 0 and "no feeds configured" in out


def test_the_feeds_file_named_by_tocsin_feeds(run, home, tmp_path, monkeypatch):
    elsewhere = tmp_path / "etc" / "feeds.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("feeds: []\n")
    monkeypatch.setenv("TOCSIN_FEEDS", str(elsewhere))
    code, out, _ = run("monitor", "--once", "--home", home)
    assert code == 0 and f"no feed is enabled in {elsewhere}" in out


def test_every_problem_of_the_feeds_file_is_named_with_its_line(run, home):
    (home / "feeds.yaml").write_text("""\
retry: {attempts: 0}
feeds:
  - {id: gdelt, kind: gdelt, every: 15x}
  - id: acled
    kind: acled
    username: monitor@example.org
    pasword_env: ACLED_PASSWORD
  - {id: gdelt, kind: ucdp, token_env: T}
  - {id: news, kind: rss}
  - {id: inbox, kind: folder, path: inbox, source: mapped}
""")
    code, out, err = run("monitor", "--once", "--home", home)
    assert code == 2 and out == ""
    f = str(home / "feeds.yaml")
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"error: {f}:1: expected greater than or equal to 1")
    assert len(lines) == 1  # the head is checked first
    (home / "feeds.yaml").write_text((home / "feeds.yaml").read_text().replace(
        "retry: {attempts: 0}\n", ""))
    code, out, err = run("monitor", "--once", "--home", home)
    assert code == 2
    text = err
    assert f"{f}:2: '15x' is not a duration" in text
    assert f"{f}:6: unknown field 'pasword_env' (feeds[1].pasword_env)" in text
    assert f"{f}:7: give 'versions'" in text
    assert f"{f}:8: 'kind' must be one of gdelt, acled, ucdp, folder, not 'rss'" in text
    assert f"{f}:9: " in text and "source: mapped needs 'mapping'" in text
    assert not (home / "monitor").exists()  # refused before anything ran


@pytest.mark.parametrize("text,expected", [
    ("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("2.5m", 150), (30, 30)])
def test_durations(text, expected):
    from tocsin.monitor.config import duration_text, seconds

    assert seconds(text) == expected
    assert seconds(duration_text(expected)) == expected


def test_a_duplicate_feed_id_is_refused(home):
    from tocsin.errors import InputError
    from tocsin.monitor.config import load

    (home / "feeds.yaml").write_text("feeds:\n  - {id: a, kind: folder, path: /x}\n"
                                     "  - {id: a, kind: folder, path: /y}\n")
    with pytest.raises(InputError,
                       match=r"feeds.yaml:3: duplicate feed id 'a' \(also feeds\[0\]\)"):
        load(home / "feeds.yaml")
