"""Cost lines x utilisation -> savings recommendations. Pure: no AWS, no clock but `as_of`.

Every rule needs evidence. A series with no datapoints is "no data" and proves nothing, so a resource
without the signals its rule needs gets no recommendation. A saving that cannot be priced is None
(unknown), never $0. Monthly figures use AWS's 730-hour month.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .costing import HOSTED_STATES, NAIVE_HOURS, CostLine
from .metrics import CPU, GPU, GPU_MEMORY, INVOCATIONS, MEMORY, MetricSeries, family, gpus, normalised, vcpus
from .pricing import PriceBook
from .registry import BY_NAME
from .registry.notebooks import auto_stop
from .schedule import SCHEDULE_TAG, off_hours_per_week, parse_schedule
from .thresholds import DAYS, DEFAULTS, Thresholds

MONTH_HOURS = NAIVE_HOURS
HOURS_PER_WEEK = 168
JOB_TYPES = ("training-job", "processing-job", "transform-job")


@dataclass(frozen=True)
class Recommendation:
    kind: str
    arn: str
    monthly_savings_usd: float | None  # None: the saving cannot be priced
    reason: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        savings = None if self.monthly_savings_usd is None else round(self.monthly_savings_usd, 2)
        return {"kind": self.kind, "arn": self.arn, "monthly_savings_usd": savings, "reason": self.reason,
                "details": self.details}


# --- small pure helpers --------------------------------------------------------------------------------------


def off_fraction(days: Iterable[str] = DAYS[:5], start: str = "08:00", end: str = "20:00") -> float:
    """Share of a week that an on-window (`start`-`end` UTC on `days`; it may run past midnight) leaves off."""
    on_days = list(days)
    if not set(on_days) <= set(DAYS):
        raise ValueError(f"days must be among {', '.join(DAYS)}")
    # The same parser and arithmetic as the schedule tags the HyperPod control writes and applies.
    return off_hours_per_week(parse_schedule(f"{'+'.join(on_days)} {start}-{end} UTC")) / HOURS_PER_WEEK


SDK_TIMESTAMP = re.compile(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{1,3})?$")
TRAILING_IDS = re.compile(r"(-(\d+|[0-9a-f]{8,}))+$")
PIPELINE_STEP = re.compile(r"^pipelines-[a-z0-9]+-(?P<step>.+)-[A-Za-z0-9]+$")


def job_family(name: str) -> str:
    """What recurring runs share: a pipeline step, or the name without its timestamp and run numbers."""
    step = PIPELINE_STEP.match(name)
    if step:
        return f"pipeline step {step.group('step')}"
    stem = TRAILING_IDS.sub("", SDK_TIMESTAMP.sub("", name))
    return stem or name


def _usd(amount: float | None) -> str:
    return "an unpriced amount" if amount is None else f"${amount:,.2f}"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _age_days(as_of: dt.datetime, moment: dt.datetime | None) -> float | None:
    return None if moment is None else (as_of - moment).total_seconds() / 86400


def _hourly(line: CostLine) -> float | None:
    return line.hourly_usd if line.priced else None


def _monthly(hourly: float | None, share: float = 1.0) -> float | None:
    return None if hourly is None else hourly * MONTH_HOURS * share


# --- utilisation judgement -----------------------------------------------------------------------------------


def peaks(series: MetricSeries, arn: str, instance_type: str | None, key: str | None = None) -> dict[str, float] | None:
    """Normalised peaks (share of the whole instance). CPU, and GPU on GPU instances, are the evidence: without
    them, or with an unknown vCPU or GPU count, the answer is None. Memory series only count when reported."""
    gpu_count = gpus(instance_type)
    if gpu_count is None or vcpus(instance_type) is None:
        return None
    required = (CPU, GPU) if gpu_count else (CPU,)
    optional = (MEMORY, GPU_MEMORY) if gpu_count else (MEMORY,)
    result = {m: normalised(m, series.peak(arn, m, key), instance_type) for m in required + optional}
    if any(result[m] is None for m in required):
        return None
    return {m: v for m, v in result.items() if v is not None}


def underused(peak: dict[str, float], t: Thresholds) -> bool:
    limits = {CPU: t.overprovisioned_cpu_pct, MEMORY: t.overprovisioned_memory_pct, GPU: t.overprovisioned_gpu_pct,
              GPU_MEMORY: t.overprovisioned_gpu_memory_pct}
    return all(value < limits[metric] for metric, value in peak.items())


def _memory_known(peak: dict[str, float]) -> bool:
    """A smaller size also has less memory, so without memory data it cannot be shown to fit."""
    return MEMORY in peak and (GPU not in peak or GPU_MEMORY in peak)


def _rescaled(peak: dict[str, float], current: str, candidate: str) -> dict[str, float] | None:
    """The peaks moved onto another size of the same family: CPU and memory scale with vCPUs, GPU with GPUs."""
    if not _memory_known(peak) or not vcpus(candidate) or (GPU in peak and not gpus(candidate)):
        return None
    ratios = {CPU: vcpus(current) / vcpus(candidate), MEMORY: vcpus(current) / vcpus(candidate)}
    if GPU in peak:
        ratios[GPU] = ratios[GPU_MEMORY] = gpus(current) / gpus(candidate)
    return {m: v * ratios[m] for m, v in peak.items()}


def smaller_type(book: PriceBook, region: str, usage: str, instance_type: str, peak: dict[str, float],
                 t: Thresholds) -> tuple[str, float, dict[str, float]] | None:
    """The cheapest priced size of the same family that still keeps the rescaled peak under the ceiling."""
    rate = book.rate(region, usage, instance_type)
    if rate is None:
        return None
    candidates = sorted(
        (price, itype) for (r, u, itype), price in book.rates.items()
        if r == region and u == usage and itype != instance_type and family(itype) == family(instance_type)
        and price < rate
    )
    for price, itype in candidates:
        moved = _rescaled(peak, instance_type, itype)
        if moved is not None and max(moved.values()) <= t.rightsize_max_peak_pct:
            return itype, price, {m: round(v, 2) for m, v in moved.items()}
    return None


def fewer_instances(count: int, load: float, t: Thresholds, floor: int = 1) -> int:
    """Instances that carry the same load (a per-instance peak, 0-100) with none above the ceiling."""
    return max(min(floor, count), 1, math.ceil(count * load / t.rightsize_max_peak_pct))


def _peak_text(peak: dict[str, float]) -> str:
    names = {CPU: "CPU", MEMORY: "memory", GPU: "GPU", GPU_MEMORY: "GPU memory"}
    return ", ".join(f"{names[m]} {_pct(v)}" for m, v in peak.items())


def rightsize(book: PriceBook, region: str, usage: str, instance_type: str | None, count: int,
              peak: dict[str, float], t: Thresholds,
              fewer_floor: int | None = None) -> tuple[str, float | None, dict] | None:
    """(advice, monthly saving, details): the better of fewer instances (when `fewer_floor` is given) and a
    smaller size of the same family; None when nothing cheaper fits."""
    rate = book.rate(region, usage, instance_type)
    options = []
    if fewer_floor is not None:
        # CPU and GPU load spreads over instances; memory does not (every instance holds the model)
        load = max(v for m, v in peak.items() if m in (CPU, GPU))
        target = fewer_instances(count, load, t, fewer_floor)
        if target < count:
            saving = None if rate is None else (count - target) * rate * MONTH_HOURS
            options.append((f"run {target} instance(s) instead of {count}", saving, {"instance_count": target}))
    smaller = smaller_type(book, region, usage, instance_type, peak, t) if instance_type else None
    if smaller:
        itype, price, moved = smaller
        options.append((f"use {itype} instead of {instance_type}", count * (rate - price) * MONTH_HOURS,
                        {"instance_type": itype, "rate_usd": rate, "new_rate_usd": price,
                         "projected_peaks_pct": moved}))
    if not options and _half_fits(peak, instance_type, t):
        why = f"no {usage} price for {instance_type}" if rate is None else f"no smaller size is priced for {usage}"
        return (f"use a smaller {family(instance_type)} size ({why} in {region}, so the saving is unknown)", None, {})
    return max(options, key=lambda option: option[1] or 0) if options else None


def _half_fits(peak: dict[str, float], instance_type: str | None, t: Thresholds) -> bool:
    """Whether the next size down (half the vCPUs and memory, and half the GPUs where there are several) would
    keep the peak under the ceiling."""
    if not _memory_known(peak) or (vcpus(instance_type) or 0) <= 2:
        return False
    halved = {CPU, MEMORY} | ({GPU, GPU_MEMORY} if (gpus(instance_type) or 0) > 1 else set())
    return all(value * (2 if metric in halved else 1) <= t.rightsize_max_peak_pct for metric, value in peak.items())


# --- the rules -----------------------------------------------------------------------------------------------


@dataclass
class Context:
    lines: Sequence[CostLine]
    series: MetricSeries
    book: PriceBook
    as_of: dt.datetime
    t: Thresholds

    def __post_init__(self):
        self._lifecycle = {(l.record.region, l.record.account, l.record.name): l.record
                           for l in self.of("notebook-lifecycle-config")}

    def of(self, *types: str) -> list[CostLine]:
        return [line for line in self.lines if line.record.type in types]

    def lifecycle_config(self, notebook, name: str):
        return self._lifecycle.get((notebook.region, notebook.account, name))


def _variant_state(ctx: Context, arn: str, variant) -> str:
    """idle, busy or unknown. Without traffic SageMaker may publish no Invocations at all, so an instance variant
    whose own instance metrics reported while no invocation was recorded is idle too; no metrics at all is unknown."""
    total = ctx.series.total(arn, variant.name, INVOCATIONS)
    if total is not None:
        return "idle" if total <= ctx.t.idle_max_invocations else "busy"
    if not variant.serverless and ctx.series.has_data(arn, variant.name):
        return "idle"
    return "unknown"


def endpoint_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    for line in ctx.of("endpoint"):
        record = line.record
        age = _age_days(ctx.as_of, record.created)
        if record.state not in HOSTED_STATES or not record.capacity or age is None or age < ctx.t.lookback_days:
            continue
        states = {v.name: _variant_state(ctx, record.arn, v) for v in record.capacity}
        idle = [v for v in record.capacity if states[v.name] == "idle"]
        days = ctx.t.lookback_days
        if len(idle) == len(record.capacity):
            saving = _monthly(_hourly(line))
            recs.append(Recommendation(
                "idle-endpoint", record.arn, saving,
                f"No invocations on any variant in {days} days; delete the endpoint to save {_usd(saving)} a month",
                {"variants": sorted(states), "lookback_days": days}))
            continue
        if idle and "busy" in states.values():
            rates = [None if v.serverless else ctx.book.rate(record.region, "hosting", v.instance_type) for v in idle]
            billed = [(v, r) for v, r in zip(idle, rates) if not v.serverless]
            saving = None if any(r is None for _, r in billed) else sum(r * v.count * MONTH_HOURS for v, r in billed)
            names = ", ".join(v.name for v in idle)
            recs.append(Recommendation(
                "partly-idle-endpoint", record.arn, saving,
                f"Variant(s) {names} had no invocations in {days} days while others served traffic; remove them "
                f"to save {_usd(saving)} a month", {"idle_variants": [v.name for v in idle], "lookback_days": days}))
        for variant in record.capacity:
            if variant.serverless or states[variant.name] == "idle":
                continue
            peak = peaks(ctx.series, record.arn, variant.instance_type, variant.name)
            if peak is None or not underused(peak, ctx.t):
                continue
            advice = rightsize(ctx.book, record.region, "hosting", variant.instance_type, variant.count, peak, ctx.t,
                               fewer_floor=ctx.t.min_endpoint_instances)
            if advice is None:
                continue
            text, saving, extra = advice
            recs.append(Recommendation(
                "overprovisioned-endpoint", record.arn, saving,
                f"Variant {variant.name} ({variant.count} x {variant.instance_type}) peaked at {_peak_text(peak)} "
                f"in {days} days: {text}, saving {_usd(saving)} a month",
                {"variant": variant.name, "instance_type": variant.instance_type, "instance_count": variant.count,
                 "peaks_pct": {m: round(v, 2) for m, v in peak.items()}, "suggested": extra}))
    return recs


def _proposed_window(t: Thresholds) -> tuple[float, str]:
    """The nights-and-weekends window both notebook and HyperPod advice propose: (off share of a week, as text)."""
    share = off_fraction(t.schedule_days, t.schedule_start, t.schedule_end)
    return share, f"{'/'.join(t.schedule_days)} {t.schedule_start}-{t.schedule_end} UTC"


def notebook_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    t = ctx.t
    for line in ctx.of("notebook-instance"):
        record = line.record
        if record.state != "InService":
            continue
        quiet = _age_days(ctx.as_of, record.last_activity)
        if quiet is not None and quiet >= t.idle_notebook_days:
            saving = _monthly(_hourly(line))
            recs.append(Recommendation(
                "idle-notebook", record.arn, saving,
                f"In service with no activity for {quiet:.0f} days; stop it to save {_usd(saving)} a month",
                {"idle_days": round(quiet, 1)}))
        elif auto_stop(record, lambda name: ctx.lifecycle_config(record, name)) is False:
            share, window = _proposed_window(t)
            saving = _monthly(_hourly(line), share)
            recs.append(Recommendation(
                "idle-notebook", record.arn, saving,
                f"In service without an auto-stop lifecycle configuration; stopping it outside "
                f"{window} would save {_usd(saving)} a month",
                {"lifecycle_config": record.attrs.get("lifecycle_config"), "off_share": round(share, 4)}))
    return recs


def studio_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    for line in ctx.of("studio-app"):
        record = line.record
        quiet = _age_days(ctx.as_of, record.last_activity)
        if record.state != "InService" or not record.capacity or quiet is None or quiet < ctx.t.idle_app_days:
            continue
        saving = _monthly(_hourly(line))
        recs.append(Recommendation(
            "idle-studio-app", record.arn, saving,
            f"{record.attrs.get('app_type') or 'App'} on {record.instance_type} has had no user activity for "
            f"{quiet:.0f} days; delete it (its space keeps the files) to save {_usd(saving)} a month",
            {"idle_days": round(quiet, 1), "instance_type": record.instance_type}))
    return recs


def _group_peak(ctx: Context, arn: str, group) -> tuple[str, float] | None:
    """HyperPod per-node utilisation (0-100) under key = instance group, when a source provides it."""
    if gpus(group.instance_type):
        value = ctx.series.peak(arn, GPU, group.name)
        return (GPU, value) if value is not None else None
    value = ctx.series.peak(arn, CPU, group.name)
    return (CPU, value) if value is not None else None


def hyperpod_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    t = ctx.t
    for line in ctx.of("hyperpod-cluster"):
        record = line.record
        if record.state != "InService":  # 'stopped' (zero nodes), creating, failed...: nothing to save
            continue
        running = [g for g in record.capacity if g.count > 0]
        group_peaks = {g.name: _group_peak(ctx, record.arn, g) for g in running}
        if running and all(p is not None and p[1] < t.idle_cluster_pct for p in group_peaks.values()):
            saving = _monthly(_hourly(line))
            recs.append(Recommendation(
                "idle-hyperpod", record.arn, saving,
                f"Every instance group peaked under {_pct(t.idle_cluster_pct)} utilisation; scale it to zero to save "
                f"{_usd(saving)} a month", {"peaks_pct": {k: round(v[1], 2) for k, v in group_peaks.items()}}))
            continue
        for group in running:
            found = group_peaks[group.name]
            limit = t.overprovisioned_gpu_pct if found and found[0] == GPU else t.overprovisioned_cpu_pct
            if found is None or found[1] >= limit or group.count < 2:
                continue
            target = fewer_instances(group.count, found[1], t)
            if target >= group.count:
                continue
            rate = ctx.book.rate(record.region, "cluster", group.instance_type)
            saving = None if rate is None else (group.count - target) * rate * MONTH_HOURS
            recs.append(Recommendation(
                "overprovisioned-hyperpod", record.arn, saving,
                f"Group {group.name} ({group.count} x {group.instance_type}) peaked at {found[0]} {_pct(found[1])}: "
                f"run {target} node(s) to save {_usd(saving)} a month",
                {"group": group.name, "instance_count": target, "peak_pct": round(found[1], 2)}))
        if not record.tags.get(SCHEDULE_TAG, "").strip():
            share, window = _proposed_window(t)
            saving = _monthly(_hourly(line), share)
            recs.append(Recommendation(
                "hyperpod-schedule", record.arn, saving,
                f"Runs around the clock with no on/off schedule; on only {window} it would be off "
                f"{share:.0%} of the week, saving {_usd(saving)} a month",
                {"schedule": f"{','.join(t.schedule_days)} {t.schedule_start}-{t.schedule_end} UTC",
                 "off_share": round(share, 4), "tag": SCHEDULE_TAG}))
    return recs


def _spot_ratio(lines: Iterable[CostLine]) -> float | None:
    """Managed-spot savings, 1 - billable / training time, weighted by instance-seconds."""
    billed = ran = 0.0
    for line in lines:
        record = line.record
        if record.spot and record.billable_seconds and record.run_seconds:
            billed += record.billable_seconds * max(record.instance_count, 1)
            ran += record.run_seconds * max(record.instance_count, 1)
    return 1 - billed / ran if ran else None


def observed_spot_savings(lines: Iterable[CostLine]) -> dict[str, float]:
    """The account's own managed-spot savings per instance type, from every spot training job discovered."""
    by_type: dict[str, list[CostLine]] = defaultdict(list)
    for line in lines:
        if line.record.type == "training-job" and line.record.spot and line.record.instance_type:
            by_type[line.record.instance_type].append(line)
    return {itype: ratio for itype, group in by_type.items() if (ratio := _spot_ratio(group)) is not None}


def job_families(lines: Iterable[CostLine], types: Sequence[str]) -> dict[tuple, list[CostLine]]:
    """This month's jobs by (type, region, recurring name, instance type): the runs one change applies to."""
    families: dict[tuple, list[CostLine]] = defaultdict(list)
    for line in lines:
        record = line.record
        if record.type in types and line.in_totals and line.transient:
            families[(record.type, record.region, job_family(record.name), record.instance_type)].append(line)
    return families


def _latest(lines: Sequence[CostLine]) -> CostLine:
    far_past = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return max(lines, key=lambda l: (l.record.ended or l.record.started or far_past, l.record.name))


def _runs(name: str, count: int) -> str:
    return f"{count} runs of {name}" if count > 1 else name


CHECKPOINT_NOTE = "; configure checkpointing (CheckpointConfig) so an interrupted job resumes instead of restarting"


def spot_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    observed = observed_spot_savings(ctx.lines)
    for (_, _, name, itype), members in job_families(ctx.lines, ("training-job",)).items():
        members = [l for l in members if ":automl-job/" not in (l.record.parent_arn or "")]  # AutoML picks its capacity
        spot = [l for l in members if l.record.spot and l.spot_savings_pct is not None]
        on_demand = [l for l in members if not l.record.spot]
        if spot:
            achieved = _spot_ratio(spot)
            note = CHECKPOINT_NOTE if any(not l.record.attrs.get("checkpointing") for l in spot) else ""
            recs.append(Recommendation(
                "spot-achieved", _latest(spot).record.arn, 0.0,
                f"Managed spot saved {achieved:.0%} of on-demand training time on {_runs(name, len(spot))} this "
                f"month{note}",
                {"family": name, "jobs": len(spot), "instance_type": itype,
                 "spot_savings_pct": round(achieved * 100, 2),
                 "per_job_pct": sorted(l.spot_savings_pct for l in spot)}))
        if not on_demand:
            continue
        ratio = observed.get(itype or "")
        source = "this account's spot jobs" if ratio is not None else "the documented default"
        ratio = ratio if ratio is not None else ctx.t.spot_default_savings_pct / 100
        priced = all(l.priced for l in on_demand)
        cost = sum(l.compute_usd for l in on_demand)
        if ratio <= 0 or (priced and cost <= 0):
            continue
        saving = cost * ratio if priced else None
        note = CHECKPOINT_NOTE if any(not l.record.attrs.get("checkpointing") for l in on_demand) else ""
        recs.append(Recommendation(
            "managed-spot", _latest(on_demand).record.arn, saving,
            f"{_runs(name, len(on_demand))} trained on demand on {itype or 'a heterogeneous cluster'} this month: "
            f"managed spot would save about {ratio:.0%} ({source}), {_usd(saving)}{note}",
            {"family": name, "jobs": len(on_demand), "instance_type": itype, "savings_ratio": round(ratio, 4),
             "ratio_source": source, "on_demand_usd": cost if priced else None,
             "checkpointing": not note}))
    return recs


def job_rules(ctx: Context) -> list[Recommendation]:
    recs = []
    for (rtype, region, name, itype), members in job_families(ctx.lines, JOB_TYPES).items():
        if itype is None:
            continue  # heterogeneous clusters: hosts cannot be told apart
        seen = [p for p in (peaks(ctx.series, l.record.arn, itype) for l in members) if p is not None]
        if not seen:
            continue  # no run of the family reported utilisation
        peak = {m: max(p[m] for p in seen if m in p) for m in set().union(*seen)}
        if not underused(peak, ctx.t):
            continue
        usage = BY_NAME[rtype].usage or ""
        count = max(l.record.instance_count for l in members)
        advice = rightsize(ctx.book, region, usage, itype, count, peak, ctx.t)
        if advice is None:
            continue
        text, _, extra = advice
        recurring = None if any(not l.priced for l in members) else sum(l.compute_usd for l in members)
        rate, new_rate = extra.get("rate_usd"), extra.get("new_rate_usd")
        saving = None if recurring is None or not rate or new_rate is None else recurring * (1 - new_rate / rate)
        recs.append(Recommendation(
            "overprovisioned-job", _latest(members).record.arn, saving,
            f"{BY_NAME[rtype].label.capitalize()}: {_runs(name, len(members))} this month peaked at "
            f"{_peak_text(peak)}: {text}, saving {_usd(saving)} of {_usd(recurring)} a month",
            {"family": name, "jobs": len(members), "jobs_with_data": len(seen), "instance_type": itype,
             "peaks_pct": {m: round(v, 2) for m, v in peak.items()}, "recurring_usd": recurring, "suggested": extra}))
    return recs


RULES = (endpoint_rules, notebook_rules, studio_rules, hyperpod_rules, spot_rules, job_rules)


def recommend(lines: Sequence[CostLine], metrics: MetricSeries | None, book: PriceBook, as_of: dt.datetime,
              thresholds: Thresholds = DEFAULTS) -> list[Recommendation]:
    """Every rule over the scan's cost lines; the biggest saving first, unknown savings last."""
    ctx = Context(lines, metrics or MetricSeries(), book, as_of, thresholds)
    found = [rec for rule in RULES for rec in rule(ctx)]
    return sorted(found, key=lambda r: (r.monthly_savings_usd is None, -(r.monthly_savings_usd or 0), r.kind, r.arn))
