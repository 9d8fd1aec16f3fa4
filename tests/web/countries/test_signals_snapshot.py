"""The site reads the weekly signals from the published Parquet snapshot, never from
``signals.duckdb``: with real processes, ``tocsin warn run`` succeeds while a page's
reader is open, the site reads while a refresh holds the store, and the site sees
the new figures once the run has published them. Before the first run it computes
the same series from the event store, so its figures do not change with that run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED_EVENTS
from tocsin.web.countries import data

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "tocsin" / "events" / "samples"
MYANMAR = SAMPLES / "ucdp_ged_myanmar_2021.csv.gz"
GDELT = SAMPLES / "gdelt2_20191024143000.export.CSV.gz"  # mostly the USA
ACLED_SUDAN = SHARED_EVENTS / "acled" / "acled_sudan_2021-10-25_to_2021-12-31.csv"
TOCSIN = str(Path(sys.executable).parent / "tocsin")

# A writer in the middle of a refresh: the writer lock and signals.duckdb open for
# writing, a transaction under way; until its standard input closes.
HOLD = """
import sys
from pathlib import Path
from tocsin.warning import signals
home = Path(sys.argv[1])
with signals.writer_lock(home):
    db = signals.connect_signals(home)
    db.execute("BEGIN TRANSACTION")
    db.execute("DELETE FROM signals")
    print("holding", flush=True)
    sys.stdin.read()
    db.execute("ROLLBACK")
    db.close()
"""


def _env(home: Path) -> dict:
    env = dict(os.environ, TOCSIN_HOME=str(home))
    env.pop("TOCSIN_DATABASE_URL", None)  # the home's own SQLite, never the test database
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def tocsin(home: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([TOCSIN, *args, "--home", str(home)], env=_env(home),
                          capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture
def home(tmp_path, settings):
    h = tmp_path / "home"
    done = tocsin(h, "events", "ingest", str(MYANMAR))
    assert done.returncode == 0, done.stderr
    settings.HOME = h
    data._cache.data.clear()
    return h


def test_warn_run_succeeds_while_the_site_reads_and_the_site_sees_its_figures(home):
    run = tocsin(home, "warn", "run", "--no-notify")
    assert run.returncode == 0, run.stderr
    assert data.signals_snapshot() is not None
    mmr = data.weekly_by_class("MMR")
    assert mmr and all(r["source"] == "ucdp-ged" for r in mmr)
    assert data.weekly_by_class("USA") == []
    with data.signals_reader() as con:  # a page's reader, open across the next run
        before = con.execute("SELECT count(*), count(DISTINCT country) FROM signals").fetchone()
        ingest = tocsin(home, "events", "ingest", str(GDELT))
        assert ingest.returncode == 0, ingest.stderr
        run = tocsin(home, "warn", "run", "--no-notify")
        assert run.returncode == 0, run.stderr
        assert "signals: 1 new batch(es)" in run.stdout
        # the open reader still reads, whole, the state it opened
        assert con.execute("SELECT count(*), count(DISTINCT country) FROM signals"
                           ).fetchone() == before
    usa = data.weekly_by_class("USA")  # the site sees the new run's figures
    assert usa and {r["source"] for r in usa} == {"gdelt2"}
    # Myanmar's UCDP series is as it was; GDELT's own Myanmar weeks (2019) come beside it
    assert [r for r in data.weekly_by_class("MMR") if r["source"] == "ucdp-ged"] == mmr
    assert data.subnational("MMR")
    # never the .duckdb: the site's figures come from the snapshot alone
    os.rename(home / "warning" / "signals.duckdb", home / "warning" / "moved.duckdb")
    data._cache.data.clear()
    assert data.weekly_by_class("USA") == usa


def test_the_site_reads_while_a_refresh_writes_and_refreshes_queue(home):
    run = tocsin(home, "warn", "run", "--no-notify")
    assert run.returncode == 0, run.stderr
    weekly, admin1 = data.weekly_by_class("MMR"), data.subnational("MMR")
    assert weekly and admin1
    assert tocsin(home, "events", "ingest", str(GDELT)).returncode == 0
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(home)], env=_env(home),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    second = None
    try:
        assert writer.stdout.readline().strip() == "holding"
        data._cache.data.clear()
        assert data.weekly_by_class("MMR") == weekly  # the published state, not an error
        assert data.subnational("MMR") == admin1
        # A second refresh waits for the first instead of failing on DuckDB's file lock.
        second = subprocess.Popen([TOCSIN, "warn", "run", "--no-notify", "--home", str(home)],
                                  env=_env(home), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert second.poll() is None
        assert data.weekly_by_class("USA") == []  # not published yet
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert "signals: 1 new batch(es)" in out
    assert data.weekly_by_class("USA")


@pytest.mark.slow
def test_the_country_page_shows_the_same_weekly_figures_before_and_after_the_first_run(
        tmp_path, settings):
    h = tmp_path / "home"
    files = [MYANMAR, GDELT] + ([ACLED_SUDAN] if ACLED_SUDAN.exists() else [])
    done = tocsin(h, "events", "ingest", *map(str, files))
    assert done.returncode == 0, done.stderr
    settings.HOME = h
    data._cache.data.clear()
    countries = ["MMR", "USA"] + (["SDN"] if ACLED_SUDAN.exists() else [])

    def figures():
        return {c: (data.weekly_by_class(c), data.subnational(c), data.weekly_by_class(c, 8),
                    data.subnational(c, 4)) for c in countries}

    assert data.signals_snapshot() is None
    before = figures()
    assert before["MMR"][0] and before["MMR"][1] and before["USA"][0]
    assert any(u["civilian_fatalities"] for u in before["MMR"][1])
    run = tocsin(h, "warn", "run", "--no-notify")
    assert run.returncode == 0, run.stderr
    assert data.signals_snapshot() is not None
    data._cache.data.clear()
    assert figures() == before
