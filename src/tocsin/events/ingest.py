"""Ingest: event files into the next generation of the store, as one atomic commit.

For each file: open and check it (``files``), recognise its format (``formats``),
stage it through its reader (``readers``), deal with rows that have problems
(``quarantine``), write the good rows as a segment and settle them against the
stored events (``versions``), add a row to the manifest. After the last file the
generation is committed (``segments``, ``tocsin.generations``): all files are
stored, or none.

Writers hold the store's lock (``tocsin.generations``) and queue behind each other;
memory is bounded by DuckDB's limit (TOCSIN_EVENTS_MEMORY_LIMIT), which spills to
``<home>/events/tmp/``.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tocsin.errors import InputError
from tocsin.events import quarantine, schema
from tocsin.events.segments import NextGeneration
from tocsin.events.sqlparts import q
from tocsin.events.store import BATCH_COLUMNS, events_dir, generations
from tocsin.events.versions import resolve
from tocsin.generations import GenerationStore

ON_ERROR = ("fail", "quarantine")
ROW_FAILED = "tocsin: row failed a check"  # error() text of the fast path


@dataclass(frozen=True)
class IngestOptions:
    source: str = "auto"  # auto, or a format of tocsin.events.formats.SOURCES
    mapping: Path | None = None  # the YAML column mapping of --source mapped
    on_error: str = "fail"  # fail: a bad row stops the ingest; quarantine: set aside

    def __post_init__(self):
        if self.on_error not in ON_ERROR:
            raise InputError.single("--on-error", "must be fail or quarantine")


@dataclass
class BatchResult:
    file: str
    status: str  # "stored" | "already-ingested"
    batch_id: str | None = None
    source: str = ""
    layout: str = ""
    description: str = ""
    encoding: str = ""
    rows_read: int = 0
    rows_stored: int = 0
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    quarantine_file: str | None = None
    seconds: float = 0.0
    sha256: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def new_batch_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


def ingest(home: Path, paths: list[Path], options: IngestOptions | None = None,
           echo: Callable[[str], None] = print) -> list[BatchResult]:
    """Ingest `paths` as one atomic operation: all files are stored, or none."""
    options = options or IngestOptions()
    home = Path(home)
    store = generations(home)
    with store.lock(echo):
        tmp = events_dir(home) / "tmp"
        _clean(tmp, keep=())
        con = _connect_writer(tmp)
        try:
            return _Ingest(con, store, options, events_dir(home)).run(paths)
        finally:
            con.close()
            _clean(tmp, keep=("spill",))


@dataclass
class _Ingest:
    """One ingest command: its DuckDB connection, the generation being built, and the
    quarantine files written (removed if the command fails)."""

    con: object  # duckdb connection
    store: GenerationStore
    options: IngestOptions
    dir: Path  # <home>/events
    written: list[Path] = field(default_factory=list)
    gen: NextGeneration | None = None

    def run(self, paths: list[Path]) -> list[BatchResult]:
        from tocsin.events import countries, sqlparts, taxonomy

        results: list[BatchResult] = []
        hasher = ThreadPoolExecutor(max_workers=1)
        try:
            self.gen = NextGeneration(self.con, self.store)
            for lookups in (sqlparts, countries, taxonomy):
                lookups.register(self.con)
            seen: dict[str, str] = dict(
                self.con.execute("SELECT sha256, batch_id FROM batches").fetchall())
            sizes = {n for (n,) in self.con.execute(
                "SELECT size_bytes FROM batches").fetchall()}
            for path in paths:
                results.append(self.one_file(path, seen, sizes, hasher))
            stored = [r.batch_id for r in results if r.status == "stored"]
            if stored:
                self.gen.commit(max(stored))
            else:
                self.gen.abandon()
        except BaseException:
            if self.gen is not None:
                self.gen.abandon()
            for f in self.written:  # quarantine files of a batch that was not stored
                f.unlink(missing_ok=True)
            raise
        finally:
            hasher.shutdown(wait=False, cancel_futures=True)
        return results

    def one_file(self, path, seen: dict[str, str], sizes: set[int],
                 hasher: ThreadPoolExecutor) -> BatchResult:
        from tocsin import __version__
        from tocsin.events.files import open_input, sha256
        from tocsin.events.formats import Format, detect

        source, con = self.options.source, self.con
        started = time.perf_counter()
        started_at = datetime.now(UTC).replace(tzinfo=None)
        batch_id = new_batch_id()
        info = open_input(path, self.dir / "tmp" / batch_id, hash_file=False)
        # A file of a size already stored may be a re-delivery: hash it first and
        # skip the work if it is. Any other file is new: hash it while it is read.
        if info.size in sizes:
            info.sha256 = sha256(Path(path))
        else:  # hashlib releases the GIL: the hash runs while DuckDB reads the file
            digest = hasher.submit(sha256, Path(path))
        if source == "auto":
            fmt = detect(info)
        elif source == "mapped":
            fmt = Format("mapped", "mapping", f"CSV read through mapping {self.options.mapping}")
        else:
            fmt = _explicit(info, source)
        if info.sha256 in seen:
            return BatchResult(str(path), "already-ingested", seen[info.sha256],
                               sha256=info.sha256)
        result = BatchResult(str(path), "stored", batch_id, fmt.source, fmt.layout,
                             fmt.description)
        if fmt.source == "mapped":
            from tocsin.events.readers.mapped import load_mapping

            result.source = load_mapping(self.options.mapping)["source"]
        self.read(info, fmt, result)
        # Not a known file: same bytes would have had a known size, hashed above.
        info.sha256 = result.sha256 = info.sha256 or digest.result()
        result.encoding = info.encoding
        result.seconds = round(time.perf_counter() - started, 3)
        values = dict(
            batch_id=batch_id, file=str(path), sha256=info.sha256, size_bytes=info.size,
            source=result.source, layout=fmt.layout, encoding=info.encoding,
            compression=info.compression, on_error=self.options.on_error,
            rows_read=result.rows_read, rows_stored=result.rows_stored,
            rows_new=result.rows_new, rows_replaced=result.rows_replaced,
            rows_unchanged=result.rows_unchanged, rows_duplicate=result.rows_duplicate,
            rows_rejected=result.rows_rejected, quarantine_file=result.quarantine_file,
            started_at=started_at, finished_at=datetime.now(UTC).replace(tzinfo=None),
            seconds=result.seconds, tocsin_version=__version__)
        names = [n for n, _ in BATCH_COLUMNS]
        con.execute(f"INSERT INTO batches ({', '.join(names)}) VALUES "
                    f"({', '.join('?' for _ in names)})", [values[n] for n in names])
        seen[info.sha256] = batch_id
        sizes.add(info.size)
        shutil.rmtree(self.dir / "tmp" / batch_id, ignore_errors=True)
        return result

    def read(self, info, fmt, result: BatchResult) -> None:
        """Stage the file, set its problem rows aside (or refuse it), write the good rows
        as a segment and settle them against the stored events."""
        from tocsin.events.readers import gdelt, reader_for

        con, batch_id = self.con, result.batch_id
        stage = reader_for(fmt.source)
        raw_gdelt = fmt.source.startswith("gdelt") and fmt.layout == "raw"
        try:
            if raw_gdelt and self.fast_path(info, fmt, result):
                return
            rows = stage(con, info, fmt, batch_id, "staged", mapping=self.options.mapping)
        except InputError:
            raise
        except Exception as exc:  # DuckDB parse errors on damaged files
            raise info.error(f"cannot be read as {fmt.description}: {_short(exc)}") from exc
        result.rows_read = rows
        bad, repeated = quarantine.count_problems(con)
        rejects = gdelt.rejected_lines(con) if fmt.source.startswith("gdelt") else []
        if bad or repeated or rejects:
            if raw_gdelt:
                stage(con, info, fmt, batch_id, "staged", with_lines=True)  # now with lines
                quarantine.shift_lines(con, [r[0] for r in rejects])
            if repeated:
                quarantine.mark_duplicates(con)
            result.rows_duplicate = quarantine.duplicates(con)
            result.rows_rejected = bad + len(rejects)
            if self.options.on_error == "fail":
                raise quarantine.refusal(con, info.path, rejects, rows, bad,
                                         result.rows_duplicate)
            qfile = self.dir / "quarantine" / f"{batch_id}.csv"
            self.written.append(qfile)
            quarantine.write(con, info.path, rejects, qfile)
            result.quarantine_file = str(qfile)
        names = ", ".join(schema.NAMES)
        seg, n_good = self.gen.write(f"SELECT {names} FROM staged WHERE _problem IS NULL",
                                     batch_id)
        con.execute("DROP TABLE IF EXISTS staged")
        resolve(con, self.gen, result, seg, n_good)

    def fast_path(self, info, fmt, result: BatchResult) -> bool:
        """Raw GDELT files (often tens of millions of rows): one pass from the file into
        a segment, no staging copy.

        The first row failing a check stops the pass (DuckDB's error()); so does a
        line DuckDB cannot split, or an id that repeats. Then the segment is deleted
        and False sends the caller down the slow path, which names lines and can
        quarantine.
        """
        import duckdb

        from tocsin.events.readers import gdelt

        con, gen, batch_id = self.con, self.gen, result.batch_id
        rel = gdelt.relation_sql(con, info, fmt, batch_id)
        cols = ", ".join(schema.NAMES)
        try:
            seg, total = gen.write(f"SELECT {cols} FROM ({rel}) WHERE CASE WHEN _ok THEN true "
                                   f"ELSE error({q(ROW_FAILED)}) END", batch_id)
        except duckdb.Error as exc:
            for f in (gen.dir / "events").glob(f"{batch_id}-*.parquet"):
                f.unlink()
            if ROW_FAILED in str(exc):
                return False
            raise
        # GLOBALEVENTIDs are checked to be numbers: counting distinct integers is cheap.
        dups = 0 if seg is None else con.execute(
            f"SELECT count(*) - count(DISTINCT CAST(source_id AS BIGINT)) "
            f"FROM read_parquet({q(str(seg))})").fetchone()[0]
        if dups or gdelt.rejected_lines(con):
            if seg is not None:
                seg.unlink()
            return False
        result.rows_read = total
        resolve(con, gen, result, seg, total)
        return True


def _connect_writer(tmp: Path):
    """An in-memory DuckDB for the work of one ingest; the store itself is files."""
    import duckdb

    from tocsin import config

    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Bounded memory whatever the file size: DuckDB spills to tmp/ beyond this.
    con.execute(f"SET memory_limit = {q(config.value('TOCSIN_EVENTS_MEMORY_LIMIT'))}")
    con.execute(f"SET temp_directory = {q(str(tmp / 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _clean(tmp: Path, keep: tuple[str, ...]) -> None:
    """Remove the per-file scratch of ingests (unzipped members) under tmp/."""
    if not tmp.exists():
        return
    for p in tmp.iterdir():
        if p.name in keep:
            continue
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _explicit(info, source: str):
    """A format for an explicit --source, refusing files that are plainly something else."""
    from tocsin.events.formats import detect

    try:
        found = detect(info)
    except InputError:
        found = None
    if found and found.source == source:
        return found
    if found and found.source != source:
        raise info.error(f"--source {source} was given but this looks like {found.description}; "
                         f"use --source {found.source} or --source auto")
    raise info.error(f"is not a {source} file: its first line does not match the {source} "
                     "layout (see docs/events.md)", 1)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
