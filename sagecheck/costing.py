"""Records x price book x period -> cost lines. Pure: no AWS, no clock but `as_of`.

Transient jobs are billed once, from how long they ran, in the month they ended. Persistent resources are
billed hourly to month end. Roll-up parents show their children's sum and never count in totals. A
resource with no price row is unpriced: named and counted, never $0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from .pricing import PriceBook
from .records import ResourceRecord
from .registry import BY_NAME

NAIVE_HOURS = 730  # what "hourly rate x a month" tools multiply by
HOSTED_STATES = {"InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"}
RUNNING_STATES = {"InProgress", "Stopping"}


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def hours_to_date(self, since: dt.datetime | None) -> float:
        begin = max(self.start, since) if since else self.start
        return max(0.0, (self.as_of - begin).total_seconds() / 3600)

    @property
    def hours_left(self) -> float:
        return max(0.0, (self.end - self.as_of).total_seconds() / 3600)

    def contains(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


@dataclass(frozen=True)
class CostLine:
    record: ResourceRecord
    cost_model: str
    priced: bool
    compute_usd: float = 0.0
    storage_usd: float = 0.0
    forecast_usd: float = 0.0
    naive_month_usd: float = 0.0
    in_totals: bool = True
    unpriced_reason: str | None = None
    spot_savings_pct: float | None = None
    children: int = 0
    hourly_usd: float = 0.0  # what it bills per hour now (persistent resources)

    @property
    def transient(self) -> bool:
        return self.cost_model == "run-duration"

    @property
    def cost_usd(self) -> float:
        return self.compute_usd + self.storage_usd


@dataclass(frozen=True)
class Totals:
    cost_usd: float
    forecast_usd: float
    naive_forecast_usd: float
    phantom_usd: float
    unpriced_count: int
    finished_jobs: int


def _unpriced(record: ResourceRecord, model: str, reason: str, **extra) -> CostLine:
    return CostLine(record, model, priced=False, unpriced_reason=reason, **extra)


def _rates(record: ResourceRecord, book: PriceBook, usage: str) -> tuple[list[tuple[float, int]], str | None]:
    """(rate, count) per capacity slice, or the reason one slice has no price."""
    priced = []
    for slice_ in record.capacity:
        if slice_.serverless:
            return [], "serverless capacity is billed per request and GB-second, which the price book does not hold"
        rate = book.rate(record.region, usage, slice_.instance_type)
        if rate is None:
            return [], f"no {usage} price for {slice_.instance_type} in {record.region}"
        priced.append((rate, slice_.count))
    if not priced:
        return [], "no instance type or count reported"
    return priced, None


def run_seconds(record: ResourceRecord, period: Period) -> int | None:
    """Billable seconds: AWS's figure when it has one; otherwise wall time, up to as_of while running."""
    if record.billable_seconds is not None and record.state not in RUNNING_STATES:
        return record.billable_seconds
    if record.started is None:
        return None
    end = record.ended if record.ended and record.state not in RUNNING_STATES else period.as_of
    return max(0, int((end - record.started).total_seconds()))


def cost_job(record: ResourceRecord, book: PriceBook, period: Period, usage: str | None, label: str = "jobs") -> CostLine:
    running = record.state in RUNNING_STATES
    in_period = running or period.contains(record.ended)
    spot_pct = None
    if record.spot and record.billable_seconds and record.run_seconds:
        spot_pct = round((1 - record.billable_seconds / record.run_seconds) * 100, 2)
    if not in_period:
        return CostLine(record, "run-duration", priced=True, in_totals=False, spot_savings_pct=spot_pct)
    if usage is None:
        return _unpriced(record, "run-duration", f"{label} have no instance price usage")
    seconds = run_seconds(record, period)
    if seconds is None:
        return _unpriced(record, "run-duration", "no run time reported")
    rates, reason = _rates(record, book, usage)
    if reason:
        return _unpriced(record, "run-duration", reason, spot_savings_pct=spot_pct)
    compute = sum(rate * count for rate, count in rates) * (seconds + (record.warm_pool_seconds or 0)) / 3600
    naive = sum(rate * count for rate, count in rates) * NAIVE_HOURS
    return CostLine(record, "run-duration", priced=True, compute_usd=compute, forecast_usd=compute,
                    naive_month_usd=naive, spot_savings_pct=spot_pct)


def _storage(record: ResourceRecord, book: PriceBook, period: Period) -> tuple[float, float, str | None]:
    """(month to date, month forecast) for the record's ML storage volume."""
    if not record.volume_gb:
        return 0.0, 0.0, None
    rate = book.storage_rate(record.region)
    if rate is None:
        return 0.0, 0.0, f"no storage price in {record.region}"
    monthly = rate * record.volume_gb
    to_date = monthly * period.hours_to_date(record.created) / period.hours
    left = monthly * period.hours_left / period.hours
    return to_date, to_date + left, None


def cost_hourly(record: ResourceRecord, book: PriceBook, period: Period, usage: str, billing: bool) -> CostLine:
    storage, storage_forecast, storage_reason = _storage(record, book, period)
    if not billing:
        if storage_reason:
            return _unpriced(record, "hourly", storage_reason)
        return CostLine(record, "hourly", priced=True, storage_usd=storage, forecast_usd=storage_forecast)
    rates, reason = _rates(record, book, usage)
    reason = reason or storage_reason
    if reason:
        return _unpriced(record, "hourly", reason)
    hourly = sum(rate * count for rate, count in rates)
    compute = hourly * period.hours_to_date(record.created)
    forecast = compute + hourly * period.hours_left + storage_forecast
    return CostLine(record, "hourly", priced=True, compute_usd=compute, storage_usd=storage,
                    forecast_usd=forecast, naive_month_usd=hourly * NAIVE_HOURS, hourly_usd=hourly)


def _bills_now(record: ResourceRecord) -> bool:
    if record.type == "hyperpod-cluster":
        # Nodes bill whatever the cluster's status (SystemUpdating, RollingBack...): count what is running.
        return record.instance_count > 0 and record.state not in {"Failed", "Deleting"}
    if record.type == "studio-app" and not record.capacity:
        return False  # apps on the free 'system' instance (e.g. the default JupyterServer)
    if record.type == "endpoint":
        return record.state in HOSTED_STATES
    if record.type == "mlflow-tracking-server":
        return bool(record.attrs.get("active")) and record.state not in {"Stopped", "Deleting", "Deleted"}
    return record.state in {"InService", "Pending", "Updating", "Stopping", "InMaintenance", "Running"}


def cost_record(record: ResourceRecord, book: PriceBook, period: Period) -> CostLine:
    rtype = BY_NAME[record.type]
    shape = rtype.cost_shape
    if shape == "run-duration":
        return cost_job(record, book, period, rtype.usage, rtype.label)
    if shape == "hourly":
        # Asynchronous endpoints have their own instance rates.
        usage = "async-inference" if record.attrs.get("async") else rtype.usage or ""
        return cost_hourly(record, book, period, usage, _bills_now(record))
    if shape == "storage":
        storage, forecast, reason = _storage(record, book, period)
        if reason:
            return _unpriced(record, shape, reason)
        return CostLine(record, shape, priced=True, storage_usd=storage, forecast_usd=forecast)
    return CostLine(record, shape, priced=True, in_totals=False)


def cost_all(records: Sequence[ResourceRecord], book: PriceBook, period: Period) -> list[CostLine]:
    lines = [cost_record(r, book, period) for r in records]
    return roll_up(lines)


def roll_up(lines: list[CostLine]) -> list[CostLine]:
    """Parents (tuning, AutoML, labeling, monitoring) show the sum of their children, counted once as children."""
    by_parent: dict[str, list[CostLine]] = {}
    for line in lines:
        if line.record.parent_arn:
            by_parent.setdefault(line.record.parent_arn, []).append(line)
    result = []
    for line in lines:
        if line.cost_model == "roll-up":
            children = by_parent.get(line.record.arn, [])
            unpriced = [c for c in children if not c.priced]
            line = CostLine(
                line.record, "roll-up", priced=not unpriced, in_totals=False, children=len(children),
                compute_usd=sum(c.compute_usd for c in children), storage_usd=sum(c.storage_usd for c in children),
                forecast_usd=sum(c.forecast_usd for c in children),
                naive_month_usd=sum(c.naive_month_usd for c in children),
                unpriced_reason=f"{len(unpriced)} child job(s) unpriced" if unpriced else None,
            )
        result.append(line)
    return result


def totals(lines: Iterable[CostLine]) -> Totals:
    counted = [l for l in lines if l.in_totals]
    priced = [l for l in counted if l.priced]
    jobs = [l for l in priced if l.transient]
    return Totals(
        cost_usd=sum(l.cost_usd for l in priced),
        forecast_usd=sum(l.forecast_usd for l in priced),
        naive_forecast_usd=sum(l.naive_month_usd for l in priced),
        phantom_usd=sum(l.naive_month_usd - l.forecast_usd for l in jobs),
        unpriced_count=sum(1 for l in counted if not l.priced),
        finished_jobs=sum(1 for l in jobs if l.record.state not in RUNNING_STATES),
    )
