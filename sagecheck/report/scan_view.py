"""The scan report for people: the phantom headline, then where the money goes, then what is unknown."""
from __future__ import annotations

from collections import Counter

from .console import render, table

TOP = 10


def _usd(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:,.2f}"


def headline(scan) -> str:
    t = scan.totals
    return (f"Naive 730-hour forecast {_usd(t.naive_forecast_usd)}, real forecast {_usd(t.forecast_usd)}: "
            f"phantom {_usd(t.phantom_usd)} from {t.finished_jobs} finished job(s). "
            f"Month to date {_usd(t.cost_usd)}; {t.unpriced_count} unpriced.")


def scan_table(scan) -> str:
    found = scan.discovery
    counted = [l for l in scan.lines if l.in_totals and l.priced]
    parts: list = [
        f"sagecheck scan of account {scan.account} in {', '.join(scan.regions)}: period "
        f"{scan.period[0]:%Y-%m-%d} to {scan.period[1]:%Y-%m-%d}, as of {scan.as_of:%Y-%m-%d %H:%M} UTC; "
        f"prices: {scan.book.source}",
        headline(scan),
    ]
    spenders = sorted(counted, key=lambda l: l.forecast_usd, reverse=True)[:TOP]
    parts.append(table("Top spenders (forecast to month end)", ["type", "name", "state", "instances", "to date", "forecast"],
                       [[l.record.type, l.record.name, l.record.state, _instances(l.record), _usd(l.cost_usd),
                         _usd(l.forecast_usd)] for l in spenders]))
    billing = [l for l in counted if l.hourly_usd > 0]
    if billing:
        parts.append(table("Persistent resources billing the rest of the month", ["type", "name", "per hour", "forecast"],
                           [[l.record.type, l.record.name, _usd(l.hourly_usd), _usd(l.forecast_usd)]
                            for l in sorted(billing, key=lambda l: l.hourly_usd, reverse=True)]))
    unpriced = [l for l in scan.lines if not l.priced]
    if unpriced:
        parts.append(table("Unpriced (not counted as $0)", ["type", "name", "why"],
                           [[l.record.type, l.record.name, l.unpriced_reason or ""] for l in unpriced]))
    if scan.recommendations:
        parts.append(table("Savings (monthly, biggest first)", ["kind", "resource", "saves / month", "why"],
                           [[r.kind, r.arn.rsplit(":", 1)[-1], _usd(r.monthly_savings_usd) if r.monthly_savings_usd
                             is not None else "unknown", r.reason] for r in scan.recommendations]))
    if scan.findings:
        by_check = Counter((f.check_id, f.severity) for f in scan.findings)
        example = {f.check_id: f for f in reversed(scan.findings)}
        parts.append(table(f"Security findings: {len(scan.findings)} (by check; every finding is in the JSON and SARIF)",
                           ["check", "severity", "count", "example"],
                           [[cid, sev, str(n), example[cid].message] for (cid, sev), n in by_check.items()]))
    if found.uncovered:
        parts.append(table("Not covered (nothing was called for these)", ["type", "region", "missing", "why"],
                           [[u.type, u.region or "all", ", ".join(u.missing_actions), u.reason]
                            for u in found.uncovered]))
    if found.errors:
        parts.append(table("Errors (the rest of the scan completed)", ["type", "region", "error"],
                           [[e.type, e.region, e.error] for e in found.errors]))
    counts = Counter(r.type for r in found.records)
    parts.append(f"{len(found.records)} resources in {len(counts)} types; {sum(scan.calls.values())} API calls.")
    parts.extend(f"note: {n}" for n in scan.notes)
    return render(*parts)


def _instances(record) -> str:
    if not record.capacity:
        return "-"
    return ", ".join(f"{c.count}x {c.instance_type or ('serverless' if c.serverless else '?')}" for c in record.capacity)
