"""`sagecheck hyperpod ...`: switch HyperPod clusters off and on, by hand or on a schedule.

A thin layer over hyperpod_control. Every command prints its plan and changes nothing without --yes.
Exit codes: 0 done (or nothing to do), 1 a step failed (the message says what to re-run), 2 refused or bad
input, 3 AWS unreachable.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import hyperpod_control as control
from . import schedule as schedules
from .errors import InputError
from .regions import default_region, parse_regions
from .session import make_session

hyperpod_app = typer.Typer(
    help="Switch HyperPod clusters off (every instance group to 0) and on again, by hand or on a schedule.",
    no_args_is_help=True,
)

FORMATS = ("table", "json")
_YES = typer.Option(False, "--yes", help="make the change; without it only the plan is printed")
_DRY_RUN = typer.Option(False, "--dry-run", help="print the plan and change nothing (the default)")
_PROFILE = typer.Option(None, "--profile", help="AWS profile")
_PRICES = typer.Option("bundled", "--prices", help="bundled or PATH.csv, for the hourly cost in the plan")
_OVERRIDES = typer.Option(None, "--price-overrides", help="CSV of negotiated rates")
_FORMAT = typer.Option("table", "--format", help="table or json")


def _confirmed(yes: bool, dry_run: bool) -> bool:
    if yes and dry_run:
        raise InputError("--yes and --dry-run contradict each other; give one")
    return yes


def _format(value: str) -> str:
    if value not in FORMATS:
        raise InputError(f"--format {value!r}: choose one of {', '.join(FORMATS)}")
    return value


def _region(cluster: str, region: Optional[str]) -> str:
    """A cluster ARN names its region; --region must agree with it."""
    if cluster.startswith("arn:"):
        parts = cluster.split(":")
        if len(parts) < 6 or not parts[3]:
            raise InputError(f"{cluster!r} is not a cluster ARN")
        if region and region != parts[3]:
            raise InputError(f"--region {region} does not match the cluster ARN's region {parts[3]}")
        return parts[3]
    return parse_regions(region)[0] if region else default_region()


def _prices(prices: str, overrides: Optional[Path]):
    from .api import price_book
    from .pricing import load_csv

    if prices in ("auto", "live"):
        raise InputError("--prices: the control does not call the pricing API; use bundled or a CSV")
    return price_book(prices, None, (), False, load_csv(overrides) if overrides else None)


def _clients(profile: Optional[str], region: str):
    return control.control_clients(make_session(profile, region))  # a fresh session, guarded for the control only


# --- rendering --------------------------------------------------------------------------------------------


def _money(value: Optional[float]) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def render_plan(plan: control.Plan, applied: bool, done: list[str]) -> str:
    verb = "saved" if plan.action == "stop" else "resumed"
    lines = [f"{plan.action} {plan.cluster.name} ({plan.cluster.region}, {plan.cluster.status})"]
    rows = [("group", "instance type", "from", "to", f"per hour {verb}")]
    rows += [(c.group, c.instance_type or "-", str(c.target), str(c.to), _money(c.hourly_usd)) for c in plan.changes]
    lines += _table(rows)
    known, unpriced = plan.hourly()
    if unpriced:
        total = (f"{_money(known)} + unknown ({unpriced} unpriced)" if known
                 else f"unknown ({unpriced} group(s) unpriced)")
    else:
        total = _money(known)
    lines.append(f"  total per hour {verb}: {total}")
    lines += [f"  note: {note}" for note in plan.notes]
    if plan.nothing_to_do:
        lines.append("nothing to do")
    elif applied:
        lines += ["done:"] + [f"  {step}" for step in done]
    else:
        lines += ["plan (dry run, nothing changed; add --yes to apply):"]
        lines += [f"  {n}. {step}" for n, step in enumerate(plan.steps(), 1)]
    return "\n".join(lines) + "\n"


def _emit_outcome(outcome: control.Outcome, format: str) -> None:
    if format == "json":
        print(json.dumps({**outcome.plan.to_dict(), "applied": outcome.applied, "done": outcome.done}, indent=2))
    else:
        sys.stdout.write(render_plan(outcome.plan, outcome.applied, outcome.done))


# --- commands ---------------------------------------------------------------------------------------------


@hyperpod_app.command("stop")
def stop_command(
    cluster: str = typer.Argument(..., help="cluster name or ARN"),
    region: Optional[str] = typer.Option(None, "--region", help="the cluster's region"),
    yes: bool = _YES,
    dry_run: bool = _DRY_RUN,
    profile: Optional[str] = _PROFILE,
    prices: str = _PRICES,
    price_overrides: Optional[Path] = _OVERRIDES,
    format: str = _FORMAT,
) -> None:
    """Save each instance group's counts in a cluster tag, then scale every group to 0."""
    apply, format, region = _confirmed(yes, dry_run), _format(format), _region(cluster, region)
    book = _prices(prices, price_overrides)
    outcome = control.stop(_clients(profile, region), region, cluster, prices=book, yes=apply)
    _emit_outcome(outcome, format)


@hyperpod_app.command("start")
def start_command(
    cluster: str = typer.Argument(..., help="cluster name or ARN"),
    region: Optional[str] = typer.Option(None, "--region", help="the cluster's region"),
    counts: Optional[str] = typer.Option(None, "--counts", help="group=N,... instead of (or over) the saved counts"),
    yes: bool = _YES,
    dry_run: bool = _DRY_RUN,
    profile: Optional[str] = _PROFILE,
    prices: str = _PRICES,
    price_overrides: Optional[Path] = _OVERRIDES,
    format: str = _FORMAT,
) -> None:
    """Restore the counts saved by stop, then remove the tag."""
    apply, format, region = _confirmed(yes, dry_run), _format(format), _region(cluster, region)
    wanted = control.parse_counts(counts) if counts is not None else None
    book = _prices(prices, price_overrides)
    outcome = control.start(_clients(profile, region), region, cluster, prices=book, counts=wanted, yes=apply)
    _emit_outcome(outcome, format)


@hyperpod_app.command("schedule")
def schedule_command(
    cluster: str = typer.Argument(..., help="cluster name or ARN"),
    on: Optional[List[str]] = typer.Option(None, "--on", help="'Mon-Fri 08:00': days and local time to start; repeatable"),
    off: Optional[List[str]] = typer.Option(None, "--off", help="'Mon-Fri 20:00': days and local time to stop; repeatable"),
    tz: str = typer.Option("UTC", "--tz", help="IANA time zone of the times, e.g. Europe/Berlin"),
    remove: bool = typer.Option(False, "--remove", help="remove the cluster's schedule"),
    region: Optional[str] = typer.Option(None, "--region", help="the cluster's region"),
    yes: bool = _YES,
    dry_run: bool = _DRY_RUN,
    profile: Optional[str] = _PROFILE,
) -> None:
    """Store an on/off schedule in the cluster's tag; apply-schedules acts on it."""
    apply, region = _confirmed(yes, dry_run), _region(cluster, region)
    if remove and (on or off):
        raise InputError("--remove takes no --on or --off")
    if not remove and not (on and off):
        raise InputError("give --on and --off (e.g. --on 'Mon-Fri 08:00' --off 'Mon-Fri 20:00'), or --remove")
    wanted = None if remove else schedules.make_schedule(on, off, tz)
    change = control.set_schedule(_clients(profile, region), region, cluster, wanted, yes=apply)
    old, new = change.old or "(none)", change.new or "(removed)"
    print(f"{change.cluster.name} ({region}) tag {control.SCHEDULE_TAG}: {old} -> {new}")
    if wanted is not None:
        now = dt.datetime.now(dt.timezone.utc)
        when, action = schedules.next_switch(wanted, now)
        print(f"  off {schedules.off_hours_per_week(wanted):g} hours a week; now {schedules.state_at(wanted, now)}, "
              f"next {action} at {when:%Y-%m-%d %H:%M} UTC")
    if change.old == change.new:
        print("nothing to do")
    elif not change.applied:
        print("dry run, nothing changed; add --yes to apply")


@hyperpod_app.command("apply-schedules")
def apply_schedules_command(
    regions: Optional[str] = typer.Option(None, "--regions", help="r1,r2 or all"),
    at: Optional[str] = typer.Option(None, "--at", help="ISO 8601 time to evaluate the schedules at; default now"),
    yes: bool = _YES,
    dry_run: bool = _DRY_RUN,
    profile: Optional[str] = _PROFILE,
    prices: str = _PRICES,
    price_overrides: Optional[Path] = _OVERRIDES,
    format: str = _FORMAT,
) -> None:
    """Stop or start every scheduled cluster that is out of phase. Idempotent: run it from cron every 15 minutes."""
    apply, format = _confirmed(yes, dry_run), _format(format)
    region_list = parse_regions(regions)
    clock = _parse_at(at)
    book = _prices(prices, price_overrides)
    rows = control.apply_schedules(_clients(profile, region_list[0]), region_list, clock, prices=book, yes=apply)
    if format == "json":
        shown = {"at": clock.isoformat(), "applied": apply, "clusters": [r.to_dict() for r in rows]}
        print(json.dumps(shown, indent=2))
    else:
        sys.stdout.write(_render_schedules(rows, clock, apply))
    if any(r.outcome == "error" for r in rows):
        raise typer.Exit(1)


def _parse_at(value: Optional[str]) -> dt.datetime:
    from .period import parse_as_of

    return parse_as_of(value, option="--at")


def _render_schedules(rows: list[control.ScheduledCluster], at: dt.datetime, applied: bool) -> str:
    lines = [f"schedules at {at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"]
    if not rows:
        return lines[0] + ": no cluster carries a " + control.SCHEDULE_TAG + " tag\n"
    table = [("region", "cluster", "wants", "outcome", "detail")]
    for row in rows:
        outcome = row.outcome if row.outcome in ("in phase", "skipped", "error") else (
            row.outcome + ("" if applied else " (dry run)"))
        table.append((row.region, row.cluster, row.wanted or "-", outcome, row.message))
    lines += _table(table)
    for row in rows:
        if row.plan is not None:
            lines.append("")
            lines += ["  " + line for line in render_plan(row.plan, applied, row.done).rstrip().splitlines()]
    return "\n".join(lines) + "\n"
