"""The scan report as the JSON document of the contract (policies/report.schema.json)."""
from __future__ import annotations

import datetime as dt
import functools
import json
from importlib import resources
from typing import Any

from ..costing import CostLine

SCHEMA_VERSION = 1


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def resource_dict(line: CostLine) -> dict[str, Any]:
    record = line.record
    priced = line.priced
    row: dict[str, Any] = {
        "type": record.type,
        "name": record.name,
        "arn": record.arn,
        "region": record.region,
        "account": record.account,
        "state": record.state,
        "cost_model": line.cost_model,
        "instance_type": record.instance_type,
        "instance_count": record.instance_count,
        "billable_seconds": record.billable_seconds,
        "compute_usd": _usd(line.compute_usd) if priced else None,
        "storage_usd": _usd(line.storage_usd) if priced else None,
        "cost_usd": _usd(line.cost_usd) if priced else None,
        "forecast_usd": _usd(line.forecast_usd) if priced else None,
        "naive_month_usd": _usd(line.naive_month_usd) if priced else None,
        "priced": priced,
        "in_totals": line.in_totals,
        "created": _time(record.created),
        "started": _time(record.started),
        "ended": _time(record.ended),
        "capacity": [
            {"name": c.name, "instance_type": c.instance_type, "count": c.count, "target": c.target,
             "serverless": c.serverless}
            for c in record.capacity
        ],
    }
    if not priced:
        row["unpriced_reason"] = line.unpriced_reason or "no price"
    if record.spot:
        row["spot_savings_pct"] = line.spot_savings_pct
    if record.parent_arn:
        row["parent_arn"] = record.parent_arn
    if line.children:
        row["children"] = line.children
    return row


def scan_dict(scan) -> dict[str, Any]:
    totals = scan.totals
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": _time(scan.as_of),
        "period": {"start": _time(scan.period[0]), "end": _time(scan.period[1])},
        "accounts": sorted({scan.account} - {"*"}),
        "regions": list(scan.regions),
        "price_source": scan.book.source,
        "preflight": scan.preflight.to_dict(),
        "resources": [resource_dict(line) for line in scan.lines],
        "totals": {
            "cost_usd": round(totals.cost_usd, 2),
            "forecast_usd": round(totals.forecast_usd, 2),
            "naive_forecast_usd": round(totals.naive_forecast_usd, 2),
            "phantom_usd": round(totals.phantom_usd, 2),
            "unpriced_count": totals.unpriced_count,
            "finished_jobs": totals.finished_jobs,
        },
        "recommendations": [r.to_dict() for r in scan.recommendations],
        "findings": [f.to_dict() for f in scan.findings],
        "uncovered": [
            {"type": u.type, "region": u.region, "missing_actions": list(u.missing_actions), "reason": u.reason}
            for u in scan.discovery.uncovered
        ],
        "errors": [{"type": e.type, "region": e.region, "error": e.error} for e in scan.discovery.errors],
        "notes": list(scan.notes),
        "api_calls": {f"{service}:{op}": n for (service, op), n in sorted(scan.calls.items())},
    }


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.files("sagecheck").joinpath("policies", "report.schema.json").read_text())


def validate(document: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(document, schema(), format_checker=jsonschema.FormatChecker())
