"""``tocsin warn``: run detection, list and handle alerts, validate rules, backtest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from tocsin import countries
from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json, report_findings
from tocsin.config import ensure_home
from tocsin.errors import InputError, Problem
from tocsin.warning.lifecycle import STATUSES

app = typer.Typer(help="Early warning: weekly signals, escalation alerts tied to the "
                       "framework, their lifecycle, notifications and backtest.",
                  no_args_is_help=True)



def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(Problem(option, f"{value!r} is not a date (YYYY-MM-DD)")) from exc


def _site(home):
    """The site's database of ``home``, where alerts are kept (Django set up once)."""
    from tocsin.web import setup

    return setup(home)


@app.command()
def run(
    since: str = typer.Option(None, "--since", help="Store only alerts of weeks from this "
                                                    "date (YYYY-MM-DD); baselines still use "
                                                    "all history."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file(s) besides the "
                                                         "defaults and <home>/alert-rules/."),
    notify: bool = typer.Option(True, "--notify/--no-notify",
                                help="Send new alerts to the subscribers of "
                                     "<home>/subscribers.yaml and to the people "
                                     "subscribed in the site."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Refresh the weekly signals from the event store, detect, store new alerts, notify."""
    from tocsin.warning.run import run as run_warning

    since_d = _date(since, "--since")
    home = ensure_home(home)
    from tocsin.web.alerts.keeper import SiteAlerts

    result = run_warning(home, SiteAlerts(home), rules, since_d, notify)
    if fmt == Format.json:
        emit_json(result.as_dict())
        return
    refresh, stored, new_rows, deliveries = (result.refresh, result.stored, result.new,
                                             result.deliveries)
    if refresh.new_batches == 0 and refresh.signal_rows == 0:
        typer.echo("the event store is empty: ingest events first (tocsin events ingest FILE...)")
    typer.echo(f"signals: {refresh.new_batches} new batch(es), {refresh.dirty_weeks} "
               f"country-weeks recomputed{' (full build)' if refresh.full else ''}, "
               f"{refresh.signal_rows:,} rows")
    typer.echo(f"{result.rules} rules: {result.found} alerts found, {len(stored.created)} new, "
               f"{stored.updated} updated, {stored.unchanged} unchanged")
    for row in new_rows[:25]:
        typer.echo("  " + _line(row))
    if len(new_rows) > 25:
        typer.echo(f"  ... {len(new_rows) - 25} more (tocsin warn alerts --status new)")
    g = result.situations
    if g:
        d = g["decisions"]
        typer.echo(f"situations: {g['opened']} opened, {d.get('severity-rose', 0)} rose in "
                   f"severity, {d.get('reminder', 0)} reminder(s), {d.get('closed', 0)} closed; "
                   f"{g['open_situations']} open (tocsin warn situations)")
    if not notify:
        typer.echo("notifications: off (--no-notify)")
    elif deliveries or new_rows:
        ok = sum(d["ok"] for d in deliveries)
        failed = len(deliveries) - ok
        typer.echo(f"notifications: {ok} sent to {len(result.reached)} subscriber(s)"
                   + (f", {failed} failed" if failed else ""))
        for d in deliveries:
            if not d["ok"]:
                typer.echo(f"  situation {d['situation']} to {d['subscriber']} by "
                           f"{d['channel']}: {d['detail']}", err=True)


def _line(a: dict) -> str:
    where = a["country"] + (f"/{a['unit']}" if a["unit"] else "")
    f = a["figures"]
    fig = f"{f.get('measure')}={f.get('value')}"
    if "p_value" in f:
        fig += f" (expected {f['expected']:.1f}, p={f['p_value']:.0e})"
    elif "rolling_30d" in f:
        fig = f"30-day fatalities={f['rolling_30d']} (1-year max {f['prior_max_1y']})"
    return (f"#{a['id']:<5} {a['week']} {where:28} {a['severity']:8} {a['status']:12} "
            f"{a['rule']}: {fig}; {a['event_count']} events")


@app.command()
def alerts(
    country: str = typer.Option(None, "--country", help="ISO 3166-1 alpha-3 code."),
    status: list[str] = typer.Option([], "--status", help=f"One of {', '.join(STATUSES)} "
                                                          "(repeatable)."),
    rule: list[str] = typer.Option([], "--rule", help="Only these rule ids (repeatable)."),
    since: str = typer.Option(None, "--since", help="Weeks from this date (YYYY-MM-DD)."),
    assessment: Path = typer.Option(None, "--assessment",
                                    help="Show alerts against the watch points of this "
                                         "assessment file (their alert_rules)."),
    limit: int = typer.Option(0, "--limit", help="At most this many (0 = all)."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """List stored alerts, newest week first."""
    from tocsin.warning.lifecycle import as_dict

    bad = [s for s in status if s not in STATUSES]
    if bad:
        raise InputError(Problem("--status", f"{bad[0]!r} is not one of {', '.join(STATUSES)}"))
    if country is not None:
        country = countries.check(country, "--country")
    watch = None
    if assessment is not None:
        watch = _watch_points(assessment)
        if country is None:
            country = watch["country"]
    since_d = _date(since, "--since")
    _site(home)
    from tocsin.web.alerts import store

    data = [as_dict(r) for r in store.query(country, status, rule or None, since_d,
                                            limit or None)]
    if watch is not None:
        grouped = []
        for wp in watch["watch_points"]:
            mine = [a for a in data if a["rule"] in wp["alert_rules"]]
            grouped.append({**wp, "alerts": mine})
        if fmt == Format.json:
            emit_json({"country": country, "watch_points": grouped})
            return
        for wp in grouped:
            typer.echo(f"watch point {wp['id']} ({wp['scenario']}): {wp['text']}")
            typer.echo(f"  rules: {', '.join(wp['alert_rules']) or '(none named)'}; "
                       f"{len(wp['alerts'])} alert(s)")
            for a in wp["alerts"][:20]:
                typer.echo("    " + _line(a))
        return
    if fmt == Format.json:
        emit_json(data)
        return
    if not data:
        typer.echo("no alerts match (tocsin warn run detects them)")
        return
    for a in data:
        typer.echo(_line(a))


def _watch_points(path: Path) -> dict:
    """The assessment's watch points that name alert rules (read with the assessment's
    own reader, so its errors keep their file and line)."""
    from tocsin.assessment.io import load_assessment

    assessment = load_assessment(path)
    points = []
    for sc in assessment.scenarios:
        for wp in sc.watch_points:
            points.append({"id": wp.id, "scenario": sc.id, "text": wp.text,
                           "alert_rules": list(wp.alert_rules),
                           "indicators": list(wp.indicators), "triggers": list(wp.triggers)})
    return {"country": assessment.country, "watch_points": points}


@app.command()
def show(alert_id: int = typer.Argument(..., metavar="ID"), home: HomeOption = None,
         fmt: FormatOption = Format.text) -> None:
    """One alert in full: figures, events, indicators, triggers, preventive options."""
    from tocsin.warning.lifecycle import as_dict
    from tocsin.warning.notify import email_text

    _site(home)
    from tocsin.web.alerts import store

    a = as_dict(store.find(alert_id))
    if fmt == Format.json:
        emit_json(a)
        return
    subject, text = email_text(a)
    typer.echo(f"#{a['id']} [{a['status']}{': ' + a['reason'] if a['reason'] else ''}] "
               f"{subject.removeprefix('[Tocsin] ')}")
    typer.echo(text.rstrip())


def _status_command(name: str, to: str, help_text: str, needs_reason: bool = False):
    def command(alert_id: int = typer.Argument(..., metavar="ID"),
                reason: str = typer.Option("" if not needs_reason else ..., "--reason",
                                           help="Why (kept in the alert's history and the "
                                                "audit log)."),
                home: HomeOption = None) -> None:
        _site(home)
        from tocsin.web.alerts import store

        row = store.transition(alert_id, to, reason)
        typer.echo(f"alert {row.pk} ({row.rule}, {row.country}, week of {row.week}): {to}")

    command.__doc__ = help_text
    app.command(name)(command)


_status_command("ack", "acknowledged", "Acknowledge an alert: someone is looking at it.")
_status_command("dismiss", "dismissed", "Dismiss an alert, with a reason (--reason).",
                needs_reason=True)
_status_command("escalate", "escalated", "Escalate an alert to decision-makers.")
_status_command("close", "closed", "Close an alert: dealt with.")


@app.command("rules")
def rules_cmd(home: HomeOption = None, fmt: FormatOption = Format.text) -> None:
    """List the active alert rules (shipped defaults and <home>/alert-rules/)."""
    from tocsin.warning.rules import classes_for, indicators_for, load_rules, triggers_for

    active = load_rules(home)
    data = [{"id": r.id, "name": r.name, "severity": r.severity, "level": r.level,
             "measure": r.measure, "condition": r.condition.model_dump(exclude_none=True),
             "classes": classes_for(r), "indicators": indicators_for(r),
             "triggers": triggers_for(r), "baseline": r.baseline, "file": r.file}
            for r in active]
    if fmt == Format.json:
        emit_json(data)
        return
    for r in data:
        cond = r["condition"]
        kind = next(iter(cond))
        detail = cond[kind] if kind == "threshold" else ", ".join(
            f"{k}={v}" for k, v in cond[kind].items())
        typer.echo(f"{r['id']:32} {r['severity']:8} {r['level']:7} {r['measure']:19} "
                   f"{kind} {detail}{'  [baseline]' if r['baseline'] else ''}")


@app.command()
def validate(files: list[Path] = typer.Argument(..., metavar="FILE..."),
             fmt: FormatOption = Format.text, home: HomeOption = None) -> None:
    """Check alert rule files; list every problem with its file and line (exit 1 if any)."""
    from tocsin.errors import UnreadableError
    from tocsin.warning.rules import read_rule_file

    problems, counts = [], {}
    for f in files:
        try:
            counts[str(f)] = len(read_rule_file(f, home))
        except UnreadableError:
            raise
        except InputError as exc:
            problems += exc.problems
    report_findings(problems, fmt, {"rules": counts},
                    [f"{f}: valid, {n} rule(s)" for f, n in counts.items()])


@app.command()
def backtest(
    onsets: Path = typer.Option(None, "--onsets", help="CSV with columns country,date "
                                                       "(default: the documented onsets "
                                                       "shipped with Tocsin)."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file(s)."),
    chart: Path = typer.Option(None, "--chart", help="Write a PNG chart here."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Did alerts fire 1-26 weeks before known onsets? Tocsin's rules vs the HDX baseline."""
    from tocsin.warning import backtest as bt
    from tocsin.warning import signals
    from tocsin.warning.rules import load_rules

    home = ensure_home(home)
    found = bt.read_onsets(onsets or bt.SHIPPED_ONSETS)
    active = load_rules(home, rules)
    signals.refresh(home)
    result = bt.run_backtest(home, active, found)
    result["onsets_file"] = str(onsets or bt.SHIPPED_ONSETS)
    if chart:
        result["chart"] = str(bt.chart(result, chart))
    if fmt == Format.json:
        emit_json(result)
    else:
        typer.echo(f"onsets: {result['onsets_file']} ({len(found)})")
        typer.echo(bt.render(result))
        if chart:
            typer.echo(f"chart: {chart}")


@app.command("chart")
def chart_cmd(
    rule_id: str = typer.Option(..., "--rule", help="Rule id (see tocsin warn rules)."),
    country: str = typer.Option(..., "--country", help="ISO 3166-1 alpha-3 code."),
    output: Path = typer.Option(..., "-o", "--output", help="PNG file to write."),
    source: str = typer.Option(None, "--source", help="Only this source's series."),
    unit: str = typer.Option("", "--unit", help="admin1 unit (admin1 rules)."),
    start: str = typer.Option(None, "--from", help="First week shown (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="Last week shown (YYYY-MM-DD)."),
    home: HomeOption = None,
) -> None:
    """Draw a rule's weekly series for a country with the weeks it alerted (PNG)."""
    from tocsin.warning import charts, signals
    from tocsin.warning.rules import load_rules

    home = ensure_home(home)
    rules = {r.id: r for r in load_rules(home)}
    if rule_id not in rules:
        raise InputError(Problem("--rule", f"no rule {rule_id!r} (known: "
                                           f"{', '.join(sorted(rules))})"))
    rule = rules[rule_id]
    signals.refresh(home)
    db = signals.connect_snapshot(home)
    try:
        frame = charts.rule_frame(db, rule, country.upper(), source, unit)
    finally:
        db.close()
    if frame.empty:
        raise InputError(Problem("--country", f"no {rule.measure} series for {country} "
                                              f"under rule {rule_id}"))
    where = country.upper() + (f" / {unit}" if unit else "") + (f" ({source})" if source else "")
    y = "30-day fatalities" if rule.condition.hdx else rule.measure.replace("_", " ")
    charts.draw(frame, f"{rule.name}: {where}", y, output, _date(start, "--from"),
                _date(end, "--to"))
    typer.echo(f"wrote {output}")


# --- situations -------------------------------------------------------------------------------


def _situation_line(s: dict) -> str:
    where = s["country"] + (f"/{s['unit']}" if s["unit"] else "")
    closed = f" closed {s['closed_week']}" if s["closed_week"] else ""
    return (f"#{s['id']:<5} {where:24} {s['severity']:8} {s['status']:12} "
            f"{s['opened_week']} to {s['last_week']}{closed}; {s['alerts']} alert(s)"
            + (f"; owner {s['owner']}" if s["owner"] else ""))


@app.command("situations")
def situations_cmd(
    country: str = typer.Option(None, "--country", help="ISO 3166-1 alpha-3 code."),
    status: list[str] = typer.Option([], "--status", help="open, acknowledged, escalated, "
                                                          "closed (repeatable; default: all "
                                                          "but closed)."),
    all_: bool = typer.Option(False, "--all", help="Closed ones too."),
    limit: int = typer.Option(0, "--limit", help="At most this many (0 = all)."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """List situations (alerts grouped into episodes per place), latest first."""
    from tocsin.warning import situations as core

    bad = [s for s in status if s not in core.STATUSES]
    if bad:
        raise InputError(Problem("--status", f"{bad[0]!r} is not one of "
                                             f"{', '.join(core.STATUSES)}"))
    if country is not None:
        country = countries.check(country, "--country")
    _site(home)
    from tocsin.web.alerts import store

    statuses = status or (None if all_ else list(core.OPEN))
    data = [store.situation_dict(s) for s in store.query_situations(country, statuses,
                                                                    limit or None)]
    if fmt == Format.json:
        emit_json(data)
        return
    if not data:
        typer.echo("no situations match (tocsin warn run groups alerts into them)")
    for s in data:
        typer.echo(_situation_line(s))


situation_app = typer.Typer(help="One situation: show it, acknowledge, escalate or close it.",
                            no_args_is_help=True)
app.add_typer(situation_app, name="situation")


@situation_app.command("show")
def situation_show(situation_id: int = typer.Argument(..., metavar="ID"),
                   home: HomeOption = None, fmt: FormatOption = Format.text) -> None:
    """A situation with its timeline of alerts (inhibited ones marked) and its changes."""
    from tocsin.warning.lifecycle import as_dict

    _site(home)
    from tocsin.web.alerts import store
    from tocsin.web.alerts.outbox import change_dict

    row = store.find_situation(situation_id)
    data = store.situation_dict(row)
    data["timeline"] = [dict(as_dict(a), inhibited=a.inhibited)
                        for a in row.alerts.order_by("week", "id")]
    data["changes"] = [change_dict(c) for c in row.changes.all()]
    if fmt == Format.json:
        emit_json(data)
        return
    typer.echo(_situation_line(data))
    if data["reason"]:
        typer.echo(f"  {data['reason']}")
    typer.echo("timeline (alerts; ~ = inhibited by a more severe alert of the same week):")
    for a in data["timeline"]:
        typer.echo(("  ~ " if a["inhibited"] else "    ") + _line(a))
    typer.echo("changes:")
    for c in data["changes"]:
        what = c["kind"] + (f" {c['from_status']} -> {c['status']}" if c["kind"] == "status"
                            else "")
        typer.echo(f"  {c['week'] or c['at'][:10]} {what} {c['severity']}"
                   + (f" ({c['reason']})" if c["reason"] else "") + f" [{c['by']}]")


def _situation_move(name: str, to: str, help_text: str, needs_reason: bool = False):
    def command(situation_id: int = typer.Argument(..., metavar="ID"),
                reason: str = typer.Option("" if not needs_reason else ..., "--reason",
                                           help="Why (kept in its history and the audit log)."),
                home: HomeOption = None) -> None:
        _site(home)
        from tocsin.web.alerts import store

        row = store.transition_situation(situation_id, to, reason)
        typer.echo(f"situation {row.pk} ({row.place}, since {row.opened_week}): {to}")

    command.__doc__ = help_text
    situation_app.command(name)(command)


_situation_move("ack", "acknowledged", "Acknowledge a situation: no more reminders.")
_situation_move("escalate", "escalated", "Escalate a situation to decision-makers.")
_situation_move("close", "closed", "Close a situation, with a reason (--reason).",
                needs_reason=True)


# --- digests, bulletins, silences -------------------------------------------------------------


def _moment(value: str | None, option: str):
    import datetime as dt_

    from django.utils import timezone

    if value is None:
        return timezone.now()
    try:
        moment = dt_.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(Problem(option, f"{value!r} is not a date or time (ISO 8601, e.g. "
                                         "2026-12-01 or 2026-12-01T08:00)")) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt_.UTC)


@app.command()
def digest(
    at: str = typer.Option(None, "--at", help="Act as if it were this time (ISO 8601; "
                                              "default: now)."),
    bulletins: bool = typer.Option(True, "--bulletins/--no-bulletins",
                                   help="Also e-mail the bulletins that are due."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Send what is due, for cron: each subscriber's daily or weekly digest of situations
    opened, escalated and closed, the scheduled bulletins, and any notice still pending."""
    from tocsin.warning import notify as notifications

    home = ensure_home(home)
    subs = notifications.load_subscribers(notifications.subscribers_path(home))
    _site(home)
    moment = _moment(at, "--at")
    from tocsin.web.alerts import delivery

    pending = delivery.deliver_new([], subs)
    digests = delivery.send_digests(home, moment)
    sent_bulletins = delivery.send_bulletins(home, moment) if bulletins else []
    result = {"notices": pending, "digests": digests, "bulletins": sent_bulletins}
    if fmt == Format.json:
        emit_json(result)
        return
    for kind, rows in result.items():
        ok = sum(1 for r in rows if r["ok"] and r.get("sent", True))
        failed = sum(1 for r in rows if not r["ok"])
        empty = sum(1 for r in rows if r["ok"] and r.get("sent") is False)
        typer.echo(f"{kind}: {ok} sent" + (f", {failed} failed" if failed else "")
                   + (f", {empty} with nothing to report" if empty else ""))
        for r in rows:
            if not r["ok"]:
                typer.echo(f"  {r.get('topic', r.get('situation'))} to {r['subscriber']}: "
                           f"{r['detail']}", err=True)


@app.command()
def bulletin(
    country: list[str] = typer.Option(..., "--country", help="ISO 3166-1 alpha-3 code "
                                                             "(repeatable, or comma-separated)."),
    period: str = typer.Option(..., "--period", help="A month (2021-03) or an ISO week "
                                                     "(2021-W09)."),
    output: Path = typer.Option(..., "-o", "--output", help="OUT.html or OUT.pdf"),
    home: HomeOption = None,
) -> None:
    """The early-warning bulletin of countries for a week or a month, as HTML or PDF."""
    from tocsin.reports import bulletin as report

    codes = []
    for c in country:
        for part in c.split(","):
            if part.strip():
                codes.append(countries.check(part.strip(), "--country"))
    p = report.Period.parse(period)
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError.single(output, "expected an output file ending in .html or .pdf")
    if not output.parent.is_dir():
        raise InputError.single(output, f"folder {output.parent} does not exist")
    home = ensure_home(home)
    _site(home)
    from tocsin.warning.rules import load_rules_and_settings
    from tocsin.web.alerts.bulletin import gather

    quiet = load_rules_and_settings(home)[1].situations.quiet_weeks
    report.write(gather(list(dict.fromkeys(codes)), p, quiet_weeks=quiet), output)
    typer.echo(f"wrote {output} ({', '.join(dict.fromkeys(codes))}, {p.label})")


silence_app = typer.Typer(help="Silences: notifications of matching alerts held for a "
                               "while, with an author and a reason.", no_args_is_help=True)
app.add_typer(silence_app, name="silence")


@silence_app.command("add")
def silence_add(
    until: str = typer.Option(..., "--until", help="When it ends (ISO 8601 date or time)."),
    reason: str = typer.Option(..., "--reason", help="Why (kept and audited)."),
    country: str = typer.Option(None, "--country", help="ISO 3166-1 alpha-3 code."),
    unit: str = typer.Option(None, "--unit", help="Province (admin1) name."),
    rule: str = typer.Option(None, "--rule", help="Alert rule id."),
    severity: str = typer.Option(None, "--severity", help="low, medium, high or critical."),
    source: str = typer.Option(None, "--source", help="Event source (e.g. acled)."),
    home: HomeOption = None,
) -> None:
    """Hold the notifications of the alerts that match every option given, until --until."""
    _site(home)
    from tocsin.web.alerts import services, store

    matchers = {k: v for k, v in (("country", country), ("unit", unit), ("rule", rule),
                                  ("severity", severity), ("source", source)) if v}
    s = services.create_silence(matchers, _moment(until, "--until"), reason,
                                name=store.command_line_actor())
    typer.echo(f"silence {s.pk}: {_matchers(s.matchers)} until "
               f"{s.ends_at.isoformat(timespec='minutes')}")


def _matchers(m: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(m.items()))


@silence_app.command("list")
def silence_list(all_: bool = typer.Option(False, "--all", help="Ended ones too."),
                 home: HomeOption = None, fmt: FormatOption = Format.text) -> None:
    """The silences in force (with --all, the ended ones too)."""
    _site(home)
    from django.utils import timezone

    from tocsin.web.alerts.models import Silence

    now = timezone.now()
    rows = Silence.objects.all() if all_ else Silence.objects.filter(ends_at__gt=now)
    data = [{"id": s.pk, "matchers": s.matchers, "starts_at": s.starts_at.isoformat(),
             "ends_at": s.ends_at.isoformat(), "active": s.active(now), "author": s.author_name,
             "reason": s.reason, "expired_by": s.expired_by_name or None} for s in rows]
    if fmt == Format.json:
        emit_json(data)
        return
    if not data:
        typer.echo("no silences")
    for s in data:
        state = "active" if s["active"] else ("ended" if s["ends_at"] <= now.isoformat()
                                              else "scheduled")
        typer.echo(f"#{s['id']:<4} {state:9} until {s['ends_at'][:16]}  {_matchers(s['matchers'])}"
                   f"  by {s['author']}: {s['reason']}")


@silence_app.command("expire")
def silence_expire(silence_id: int = typer.Argument(..., metavar="ID"),
                   home: HomeOption = None) -> None:
    """End a silence now: what it held is sent by the next run if still open."""
    _site(home)
    from tocsin.web.alerts import services, store
    from tocsin.web.alerts.models import Silence

    s = Silence.objects.filter(pk=silence_id).first()
    if s is None:
        raise InputError(Problem(f"silence {silence_id}", "no such silence "
                                                          "(see tocsin warn silence list)"))
    services.expire_silence(s, name=store.command_line_actor())
    typer.echo(f"silence {s.pk}: ended {s.ends_at.isoformat(timespec='minutes')}")
