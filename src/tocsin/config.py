"""Every setting Tocsin reads from the environment, in one table, read in one place.

Nothing else in Tocsin looks at ``os.environ`` for a setting: it asks here. The table
is also the documentation: the README's configuration table is rendered from it
(``python -m tocsin.config``) and a test keeps the two equal.

A value that cannot be used raises ``ConfigError``, an ``InputError`` naming the
variable, so every command reports it on one line and exits 2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tocsin.errors import InputError, Problem

HOME_ENV = "TOCSIN_HOME"
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class ConfigError(InputError):
    """A setting Tocsin cannot use; the message names the environment variable."""

    def __init__(self, variable: str, message: str):
        super().__init__(Problem(variable, message))
        self.variable = variable


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None  # the value used when the variable is unset (None: nothing)
    meaning: str
    shown_default: str = ""  # how the default reads in the docs, when it is not a value
    choices: tuple[str, ...] = ()
    flag: bool = False
    label: str = ""  # the docs' name for it, when it is more than the variable

    def documented_default(self) -> str:
        return self.shown_default or (f"`{self.default}`" if self.default else "none")


SETTINGS: tuple[Setting, ...] = (
    Setting(HOME_ENV, None,
            "where Tocsin keeps its state: local frameworks (`frameworks/`), the event store "
            "(`events/`), signals (`warning/`), alert rules (`alert-rules/`), the site's "
            "SQLite database, uploaded evidence, the development secret key. Every command "
            "that touches state takes `--home`, so tests and second deployments never share "
            "state by accident.", shown_default="`~/.tocsin`", label="`--home DIR` / "
            "`TOCSIN_HOME`"),
    Setting("TOCSIN_ENV", "development",
            "`production`: HTTPS-only cookies, HSTS, SSL redirect, secret key required",
            choices=("development", "production")),
    Setting("TOCSIN_SECRET_KEY", None, "the site's secret key",
            shown_default="generated into `$TOCSIN_HOME/secret_key` (development only)"),
    Setting("TOCSIN_DATABASE_URL", None,
            "the site's database (users, assessments, ratings, evidence, alerts, audit log), "
            "e.g. `postgres://user:pass@host:5432/tocsin`",
            shown_default="SQLite file in `$TOCSIN_HOME`"),
    Setting("TOCSIN_ALLOWED_HOSTS", None, "comma-separated host names the site answers to",
            shown_default="loopback (development), none (production)"),
    Setting("TOCSIN_DEBUG", None, "Django debug pages, development only", shown_default="off",
            flag=True),
    Setting("TOCSIN_REQUIRE_TWO_FACTOR", None,
            "administrators and focal points must set up two-factor authentication (TOTP) "
            "and use it before they reach anything else on the site",
            shown_default="on when `TOCSIN_ENV=production`, else off",
            choices=tuple(sorted(TRUE | FALSE))),
    Setting("TOCSIN_BEHIND_PROXY", None,
            "the site is behind a TLS-terminating reverse proxy that sets "
            "`X-Forwarded-Proto` and `X-Forwarded-For` (docs/site.md)", shown_default="off",
            flag=True),
    Setting("TOCSIN_TRUSTED_PROXY", "127.0.0.1",
            "address of that reverse proxy: `tocsin serve` believes its forwarded headers "
            "and nobody else's"),
    Setting("TOCSIN_IDLE_SECONDS", "20",
            "`tocsin serve` closes a connection idle this long (slow or idle clients cannot "
            "hold the site's connections)"),
    Setting("TOCSIN_MAX_UPLOAD_MB", "10", "largest evidence upload, in megabytes"),
    Setting("TOCSIN_EVIDENCE_KEYS", None,
            "the key file that seals sensitive evidence and every uploaded document at rest "
            "and keys the audit log's hash chain (mode 0600; never in the database, the "
            "uploads or a backup: keep it on another volume or have a secret manager put it "
            "there). Made on first use in development; production requires it "
            "(`tocsin manage create_evidence_keys`); rotate with "
            "`tocsin manage rotate_evidence_key` (docs/site.md)",
            shown_default="`$TOCSIN_HOME/keys/evidence.keys`"),
    Setting("TOCSIN_ENGINE", "duckdb", "`duckdb` or `spark` for event and signal queries",
            choices=("duckdb", "spark")),
    Setting("TOCSIN_EVENTS_LAKE", None, "Parquet file, folder or glob holding the events",
            shown_default="the store's snapshot"),
    Setting("TOCSIN_SPARK_MASTER", "local[2]", "Spark master URL"),
    Setting("TOCSIN_EVENTS_MEMORY_LIMIT", "1GB",
            "DuckDB's memory limit for one ingest (it spills to disk beyond it)"),
    Setting("TOCSIN_FEEDS", None,
            "the feeds `tocsin monitor` fetches by itself (GDELT, ACLED, UCDP, a watched "
            "folder; docs/monitoring.md). Without the file nothing is fetched and no "
            "network call is made", shown_default="`$TOCSIN_HOME/feeds.yaml`"),
    Setting("TOCSIN_MONITOR_USER_AGENT", None,
            "the User-Agent of the monitor's requests (some sources ask for a contact "
            "address in it)", shown_default="`tocsin/<version> (monitor)`"),
)
BY_ENV = {s.env: s for s in SETTINGS}


def value(env: str) -> str | None:
    """The setting's value: the variable if set and not blank, else its default.
    Checked against the setting's choices; a flag gives "1" or None."""
    setting = BY_ENV[env]  # KeyError: a setting that is not in the table
    raw = os.environ.get(env)
    if raw is None or raw.strip() == "":
        return setting.default
    raw = raw.strip()
    if setting.flag:
        low = raw.lower()
        if low in TRUE:
            return "1"
        if low in FALSE:
            return None
        raise ConfigError(env, f"expected one of {', '.join(sorted(TRUE | FALSE))}, not {raw!r}")
    if setting.choices:
        raw = raw.lower()
        if raw not in setting.choices:
            raise ConfigError(env, f"must be {' or '.join(repr(c) for c in setting.choices)}, "
                                   f"not {raw!r}")
    return raw


def flag(env: str) -> bool:
    return value(env) is not None


def number(env: str) -> float:
    raw = value(env)
    try:
        n = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(env, f"expected a number, not {raw!r}") from None
    if n <= 0:
        raise ConfigError(env, f"expected a positive number, not {raw!r}")
    return n


def home(explicit: Path | str | None = None) -> Path:
    """The state directory: ``explicit`` (``--home``), else TOCSIN_HOME, else ~/.tocsin."""
    raw = explicit or value(HOME_ENV)
    path = Path(raw) if raw else Path.home() / ".tocsin"
    return path.expanduser().resolve()


PRIVATE_UMASK = 0o077


def private_files() -> None:
    """From now on this process writes files only its user can read (the home holds
    evidence that may identify witnesses, password hashes, two-factor secrets)."""
    os.umask(PRIVATE_UMASK)


def ensure_home(explicit: Path | str | None = None) -> Path:
    """The home, created if needed, and private to its user: mode 0700, so nothing in
    it can be reached by anyone else, whatever the mode of a file an older Tocsin or
    another tool wrote there; the site's SQLite database and key are made 0600 too."""
    path = home(explicit)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.chmod(0o700)
        for name in ("tocsin.sqlite3", "tocsin.sqlite3-wal", "tocsin.sqlite3-shm",
                     "secret_key"):
            if (path / name).exists():
                (path / name).chmod(0o600)
    except PermissionError:  # a home owned by someone else: theirs to protect
        pass
    return path


def production() -> bool:
    return value("TOCSIN_ENV") == "production"


def markdown_table() -> str:
    """The README's configuration table."""
    lines = ["| setting | meaning | default |", "|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| {s.label or '`' + s.env + '`'} | {s.meaning} | "
                     f"{s.documented_default()} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tocsin.config: print the README's table
    print(markdown_table())
