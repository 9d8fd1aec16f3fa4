"""The feeds file: which sources Tocsin fetches by itself, how often, from where.

``<home>/feeds.yaml`` (or the file ``TOCSIN_FEEDS`` names). Without it nothing is
fetched. Every problem is reported with its file and line, like the alert rules::

    retry: {attempts: 5, backoff: 2, max_backoff: 300, jitter: 0.5, timeout: 60}
    alerts: {after_failures: 3, email: [ops@example.org]}
    feeds:
      - {id: gdelt, kind: gdelt, every: 15m}
      - id: acled
        kind: acled
        every: 1d
        username_env: ACLED_USERNAME
        password_env: ACLED_PASSWORD
        params: {iso: 729}
      - {id: ucdp, kind: ucdp, every: 1d, token_env: UCDP_TOKEN, versions: ["25.1"],
         candidate: {series: "25.0", from: 1}}
      - {id: inbox, kind: folder, every: 1m, path: /srv/tocsin/inbox}

Credentials are never written in the file: it names the environment variable
(``password_env``) or a file outside the repository (``password_file``) that holds them,
as ``subscribers.yaml`` does for webhook secrets. The format is in docs/monitoring.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from tocsin.errors import InputError, Problem
from tocsin.yamlsource import YamlDocument, pydantic_problems, read_yaml

FILE_NAME = "feeds.yaml"
KINDS = ("gdelt", "acled", "ucdp", "folder")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class FeedError(Exception):
    """A feed could not do its work this time (the message is safe to show and log)."""


def seconds(value: Any) -> float:
    """A duration: a number of seconds, or text such as ``90s``, ``15m``, ``6h``, ``1d``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15m, 6h or 1d")
    if isinstance(value, int | float):
        n = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration (e.g. 90s, 15m, 6h, 1d)")
        n = float(m.group(1)) * _UNITS[m.group(2)]
    if n <= 0:
        raise ValueError("a duration must be positive")
    return n


def duration_text(n: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if n >= size and n % size == 0:
            return f"{int(n // size)}{unit}"
    return f"{n:g}s"


Duration = Annotated[float, BeforeValidator(seconds)]
FeedId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/\S*)?$")]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetryPolicy(_Model):
    attempts: int = Field(5, ge=1, le=20)  # tries of one request, the first included
    backoff: float = Field(2.0, ge=0)  # seconds before the second try; doubles each time
    max_backoff: float = Field(300.0, ge=0)  # no wait is longer (Retry-After included)
    jitter: float = Field(0.5, ge=0, le=1)  # each wait is randomised by +- this fraction
    timeout: float = Field(60.0, gt=0)  # seconds to connect, and between bytes received


class Alerts(_Model):
    after_failures: int = Field(3, ge=1)  # failed runs in a row before administrators hear
    email: list[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]] = []
    site_admins: bool = True  # also the site's administrators (their account e-mail)


class Warn(_Model):
    run: bool = True  # run the warning pipeline after a pass that stored events
    notify: bool = True  # and send its new alerts to subscribers


class Secret(_Model):
    """Where a credential is: an environment variable or a file (outside the repository)."""

    env: EnvName | None = None
    file: Path | None = None


class _Feed(_Model):
    id: FeedId
    kind: str
    every: Duration
    enabled: bool = True
    retry: RetryPolicy | None = None  # default: the file's
    alert_after: int | None = Field(None, ge=1)  # default: alerts.after_failures
    on_error: Literal["fail", "quarantine"] = "quarantine"  # rows that fail a check
    line: int | None = None  # where the feed is in the file (filled in by the loader)


def _secret(env: str | None, file: Path | None, what: str) -> Secret | None:
    if env and file:
        raise ValueError(f"give {what}_env or {what}_file, not both")
    return Secret(env=env, file=file) if env or file else None


class GdeltFeed(_Feed):
    kind: Literal["gdelt"]
    every: Duration = 900.0
    url: Url = "http://data.gdeltproject.org/gdeltv2/"  # or a mirror of that folder
    lastupdate: str = "lastupdate.txt"  # relative to url, or a full URL
    masterlist: str = "masterfilelist.txt"
    catch_up: int = Field(96, ge=1, le=100_000)  # at most this many intervals per run
    since: dt.datetime | None = None  # first run: intervals from here (else the latest)
    max_file_mb: float = Field(500, gt=0)


class AcledFeed(_Feed):
    kind: Literal["acled"]
    every: Duration = 86400.0
    url: Url = "https://acleddata.com/"
    token_url: Url | None = None  # default: <url>oauth/token
    read_path: str = "api/acled/read"
    client_id: str = "acled"
    username: str | None = None  # the account's e-mail address (not a secret) ...
    username_env: EnvName | None = None  # ... or the variable that holds it
    password_env: EnvName | None = None
    password_file: Path | None = None
    params: dict[str, str | int | float] = {}  # ACLED filters: iso, country, region, ...
    since: dt.date | None = None  # first run: records changed since (else 30 days back)
    page_size: int = Field(5000, ge=1, le=5000)
    max_pages: int = Field(1000, ge=1)

    @model_validator(mode="after")
    def _credentials(self):
        if bool(self.username) == bool(self.username_env):
            raise ValueError("give the account as 'username' or 'username_env' (one of them)")
        if not (self.password_env or self.password_file):
            raise ValueError("give 'password_env' (an environment variable) or "
                             "'password_file' (a file outside the repository)")
        _secret(self.password_env, self.password_file, "password")
        reserved = {"page", "limit", "timestamp", "timestamp_where", "_format"} & set(
            self.params)
        if reserved:
            raise ValueError(f"params may not set {', '.join(sorted(reserved))}: the feed "
                             "pages and filters by timestamp itself")
        return self

    @property
    def password(self) -> Secret:
        return _secret(self.password_env, self.password_file, "password")


class Candidate(_Model):
    series: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+$")]  # e.g. 25.0
    from_: int = Field(1, ge=1, alias="from")  # the first monthly release to fetch


class UcdpFeed(_Feed):
    kind: Literal["ucdp"]
    every: Duration = 86400.0
    url: Url = "https://ucdpapi.pcr.uu.se/"
    token_env: EnvName | None = None
    token_file: Path | None = None
    versions: list[Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)*$")]] = []
    candidate: Candidate | None = None
    params: dict[str, str | int | float] = {}  # Country, StartDate, TypeOfViolence, ...
    page_size: int = Field(1000, ge=1, le=1000)
    pages_per_file: int = Field(50, ge=1)  # pages ingested (and cursored) together

    @model_validator(mode="after")
    def _what(self):
        if not self.versions and self.candidate is None:
            raise ValueError("give 'versions' (e.g. [\"25.1\"]) and/or 'candidate' "
                             "(e.g. {series: \"25.0\", from: 1})")
        _secret(self.token_env, self.token_file, "token")
        reserved = {"page", "pagesize"} & {k.lower() for k in self.params}
        if reserved:
            raise ValueError("params may not set page or pagesize: the feed pages itself")
        return self

    @property
    def token(self) -> Secret | None:
        return _secret(self.token_env, self.token_file, "token")


class FolderFeed(_Feed):
    kind: Literal["folder"]
    every: Duration = 60.0
    path: Path
    source: Literal["auto", "acled", "ucdp-ged", "gdelt1", "gdelt2", "mapped"] = "auto"
    mapping: Path | None = None
    on_error: Literal["fail", "quarantine"] = "fail"
    settle: Duration = 10.0  # a file changed more recently may still be being written

    @model_validator(mode="after")
    def _mapping(self):
        if self.source == "mapped" and self.mapping is None:
            raise ValueError("source: mapped needs 'mapping' (a YAML column mapping)")
        return self


FEED_MODELS = {"gdelt": GdeltFeed, "acled": AcledFeed, "ucdp": UcdpFeed, "folder": FolderFeed}
Feed = GdeltFeed | AcledFeed | UcdpFeed | FolderFeed


class _Head(_Model):
    retry: RetryPolicy = RetryPolicy()
    alerts: Alerts = Alerts()
    warn: Warn = Warn()
    feeds: list[Any] = []


class FeedsConfig(_Model):
    file: str
    retry: RetryPolicy = RetryPolicy()
    alerts: Alerts = Alerts()
    warn: Warn = Warn()
    feeds: list[Feed] = []

    def retry_for(self, feed: Feed) -> RetryPolicy:
        return feed.retry or self.retry

    def alert_after(self, feed: Feed) -> int:
        return feed.alert_after or self.alerts.after_failures

    def feed(self, feed_id: str) -> Feed | None:
        return next((f for f in self.feeds if f.id == feed_id), None)


def feeds_path(home: Path) -> Path:
    """The feeds file: ``TOCSIN_FEEDS`` if set, else ``<home>/feeds.yaml``."""
    from tocsin import config

    raw = config.value("TOCSIN_FEEDS")
    return Path(raw).expanduser() if raw else Path(home) / FILE_NAME


def load(path: Path) -> FeedsConfig | None:
    """The feeds of ``path``; None if there is no such file (nothing is fetched). Raises
    ``InputError`` naming the file and line of every problem."""
    path = Path(path)
    if not path.exists():
        return None
    doc = read_yaml(path)
    if doc.data is None:
        return FeedsConfig(file=str(path))
    if not isinstance(doc.data, dict):
        raise InputError(Problem(doc.file, "expected a mapping with 'feeds'", 1))
    try:
        head = _Head.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError([Problem(p.file, _plain(p.message), p.line, p.where)
                          for p in pydantic_problems(doc, exc)]) from exc
    feeds, problems, ids = [], [], {}
    for i, raw in enumerate(head.feeds):
        feed = _feed(doc, i, raw, path.parent, problems)
        if feed is None:
            continue
        if feed.id in ids:
            problems.append(doc.problem(("feeds", i, "id"), f"duplicate feed id {feed.id!r} "
                                                            f"(also feeds[{ids[feed.id]}])"))
        ids[feed.id] = i
        feeds.append(feed)
    if problems:
        raise InputError(problems)
    return FeedsConfig(file=str(path), retry=head.retry, alerts=head.alerts, warn=head.warn,
                       feeds=feeds)


def _feed(doc: YamlDocument, i: int, raw: Any, base: Path, problems: list[Problem]):
    where = ("feeds", i)
    if not isinstance(raw, dict):
        problems.append(doc.problem(where, "expected a feed (a mapping with id, kind, ...)"))
        return None
    kind = raw.get("kind")
    if kind not in FEED_MODELS:
        problems.append(doc.problem(where + (("kind",) if "kind" in raw else ()),
                                    f"'kind' must be one of {', '.join(KINDS)}"
                                    + (f", not {kind!r}" if kind is not None else "")))
        return None
    data = dict(raw, line=doc.line(where))
    for key in ("path", "mapping", "password_file", "token_file"):
        if isinstance(data.get(key), str) and not Path(data[key]).expanduser().is_absolute():
            data[key] = str(base / Path(data[key]).expanduser())  # beside the feeds file
    try:
        return FEED_MODELS[kind].model_validate(data)
    except ValidationError as exc:
        for p in pydantic_problems(doc, exc):
            inner = _loc(p.where)
            problems.append(Problem(p.file, _plain(p.message), doc.line(where + inner),
                                    f"feeds[{i}]" + ("." + p.where if p.where else "")))
        return None


def _plain(message: str) -> str:
    """Our own checks' words, without Pydantic's wrapping of them."""
    message = message.replace("Value error, ", "")
    for tail in ("; got dict", "; got list"):
        if message.endswith(tail):
            message = message[: -len(tail)]
    return message


def _loc(where: str) -> tuple:
    out: list = []
    for part in where.replace("[", ".[").split("."):
        if part.startswith("["):
            out.append(int(part.strip("[]")))
        elif part:
            out.append(part)
    return tuple(out)


def read_secret(secret: Secret, what: str) -> str:
    """The credential's value (never logged, never stored). Raises ``FeedError`` naming
    where it was looked for, never what it is."""
    if secret.env:
        value = os.environ.get(secret.env, "")
        if not value.strip():
            raise FeedError(f"{what}: environment variable {secret.env} is not set")
        return value.strip()
    try:
        value = Path(secret.file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise FeedError(f"{what}: cannot read {secret.file} ({exc.strerror})") from None
    if not value:
        raise FeedError(f"{what}: {secret.file} is empty")
    return value


def join_url(base: str, rel: str) -> str:
    """``rel`` under ``base`` (a folder URL), unless ``rel`` is a full URL already."""
    if re.match(r"^https?://", rel):
        return rel
    return base.rstrip("/") + "/" + rel.lstrip("/")
