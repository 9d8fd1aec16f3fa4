"""The store's generations: incremental writes, merging, leftovers of dead writers."""

from __future__ import annotations

import gzip
import os
import shutil

from tocsin.events import samples, segments, store
from tocsin.events.ingest import IngestOptions
from tocsin.events.ingest import ingest as ingest_files

UCDP, GDELT2, GDELT1 = samples.paths()


def count(home) -> int:
    con = store.connect_reader(home)
    try:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()


def stored_segments(home):
    return store.segments_of(store.snapshot_paths(home)["generation"])


def ingest(home, *paths):
    return ingest_files(home, list(paths), echo=lambda s: None)


def test_a_new_batch_links_the_stored_segments_instead_of_rewriting_them(tmp_path):
    home = tmp_path / "home"
    ingest(home, UCDP)
    first_gen = store.snapshot_paths(home)["generation"]
    [seg] = stored_segments(home)
    ingest(home, GDELT1)
    assert store.snapshot_paths(home)["generation"] != first_gen
    after = stored_segments(home)
    assert len(after) == 2
    kept = [s for s in after if s.name == seg.name]
    assert kept and os.stat(kept[0]).st_ino == os.stat(seg).st_ino  # a hard link, not a copy
    assert count(home) == 855 + 710


def test_a_replacement_rewrites_only_the_segment_holding_the_old_version(tmp_path):
    home = tmp_path / "home"
    ingest(home, UCDP, GDELT2)
    by_name = {s.name: os.stat(s).st_ino for s in stored_segments(home)}
    lines = gzip.decompress(GDELT2.read_bytes()).decode("utf-8").splitlines()
    first = lines[0].split("\t")
    first[59] = str(int(first[59]) + 1500)  # DATEADDED: coded again 15 minutes later
    first[60] = "https://example.org/updated-article"
    newer = tmp_path / "newer.export.CSV"
    newer.write_text("\t".join(first) + "\n", encoding="utf-8")
    [r] = ingest(home, newer)
    assert (r.rows_replaced, r.rows_stored) == (1, 1)
    now = {s.name: os.stat(s).st_ino for s in stored_segments(home)}
    ucdp = [n for n in by_name if n in now and by_name[n] == now[n]]
    assert len(ucdp) == 1, (by_name, now)  # the UCDP segment is untouched
    assert count(home) == 855 + 2111
    con = store.connect_reader(home)
    assert con.execute("SELECT notes FROM events WHERE uid = ?",
                       [f"gdelt2:{first[0]}"]).fetchall() == [
        ("https://example.org/updated-article",)]


def test_many_small_segments_are_merged(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "MERGE_WHEN_OVER", 2)
    home = tmp_path / "home"
    ingest(home, UCDP)
    ingest(home, GDELT1)
    assert len(stored_segments(home)) == 2
    ingest(home, GDELT2)
    assert len(stored_segments(home)) == 1  # three small ones became one
    assert count(home) == 855 + 710 + 2111
    assert len(store.manifest(home)) == 3


def test_a_batch_where_every_row_is_rejected_still_leaves_a_readable_store(tmp_path):
    home = tmp_path / "home"
    bad = tmp_path / "bad.export.CSV"
    line = gzip.decompress(GDELT2.read_bytes()).decode("utf-8").splitlines()[0].split("\t")
    line[1] = "2019-13-45"
    bad.write_text("\t".join(line) + "\n", encoding="utf-8")
    [r] = ingest_files(home, [bad], IngestOptions(on_error="quarantine"), echo=lambda s: None)
    assert (r.rows_read, r.rows_stored, r.rows_rejected) == (1, 0, 1)
    assert count(home) == 0
    assert store.manifest(home)[0]["rows_rejected"] == 1


def test_leftovers_of_a_dead_writer_are_removed_by_the_next(tmp_path):
    home = tmp_path / "home"
    ingest(home, GDELT1)
    snap = store.events_dir(home) / "snapshot"
    (snap / ".build-99999-deadbeef" / "events").mkdir(parents=True)
    orphan = snap / "99991231T000000000000Z-abcdef"  # renamed into place, never switched to
    shutil.copytree(store.snapshot_paths(home)["generation"], orphan)
    ingest(home, UCDP)
    names = sorted(p.name for p in snap.iterdir())
    assert not any(n.startswith(".build-") for n in names)
    assert orphan.name not in names
    assert count(home) == 710 + 855


def test_a_store_written_in_the_one_file_layout_is_read_and_carried_forward(tmp_path):
    home = tmp_path / "home"
    ingest(home, GDELT1)
    gen = store.snapshot_paths(home)["generation"]
    [seg] = stored_segments(home)
    # Tocsin 0.1 wrote <gen>/events.parquet beside batches.parquet.
    shutil.move(seg, gen / "events.parquet")
    shutil.rmtree(gen / "events")
    assert count(home) == 710
    ingest(home, UCDP)
    assert count(home) == 710 + 855
    assert all(s.parent.name == "events" for s in stored_segments(home))
