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
    if not notify:
        typer.echo("notifications: off (--no-notify)")
    elif deliveries or new_rows:
        ok = sum(d["ok"] for d in deliveries)
        failed = len(deliveries) - ok
        typer.echo(f"notifications: {ok} sent to {len(result.reached)} subscriber(s)"
                   + (f", {failed} failed" if failed else ""))
        for d in deliveries:
            if not d["ok"]:
                typer.echo(f"  alert {d['alert']} to {d['subscriber']} by {d['channel']}: "
                           f"{d['detail']}", err=True)


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
            counts[str(f)] = len(read_rule_file(f))
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
