"""CloudWatch utilisation for what bills by the hour or by the run: query building (pure) and fetching.

Namespaces, dimensions and Host formats follow "Amazon SageMaker AI metrics in Amazon CloudWatch"
(https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html):
- endpoint invocations: AWS/SageMaker, EndpointName + VariantName (Sum);
- endpoint instances: /aws/sagemaker/Endpoints, EndpointName + VariantName (Maximum);
- inference components: /aws/sagemaker/InferenceComponents, InferenceComponentName (*Normalized, 0-100);
- jobs: /aws/sagemaker/{Training,Processing,Transform}Jobs, Host = `[job-name]/algo-[instance-number-in-cluster]`
  for training and processing, `[transform-job-name]/[instance-id]` for batch transform.
A transform job's instance ids are in no SageMaker API, so its hosts are found with a SEARCH expression on
the job name (a partial, composite-token match). SEARCH only finds metrics that reported in the past two
weeks, and may also match a longer job name that starts with this one: that can only raise a peak, never
lower it, so it never causes an over-provisioned verdict.

A query that returns no datapoints is "no data" (None), never zero.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .costing import HOSTED_STATES
from .period import month_of
from .records import ResourceRecord

MAX_QUERIES = 500  # GetMetricData's MetricDataQueries limit
JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")

INVOCATIONS = "Invocations"
CPU, MEMORY, GPU, GPU_MEMORY = "CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"
INSTANCE_METRICS = (CPU, MEMORY, GPU, GPU_MEMORY)
COMPONENT_METRICS = ("CPUUtilizationNormalized", "GPUUtilizationNormalized", "GPUMemoryUtilizationNormalized",
                     "MemoryUtilizationNormalized")
ENDPOINT_NS = "/aws/sagemaker/Endpoints"
INVOCATIONS_NS = "AWS/SageMaker"
COMPONENT_NS = "/aws/sagemaker/InferenceComponents"
JOB_NS = {
    "training-job": "/aws/sagemaker/TrainingJobs",
    "processing-job": "/aws/sagemaker/ProcessingJobs",
    "transform-job": "/aws/sagemaker/TransformJobs",
}
ALL_HOSTS = "*"  # the key of a transform job's SEARCH query: every instance at once


# --- instance facts ----------------------------------------------------------------------------------------

# GPUs per instance, from the AWS Batch user guide's GPU instance table
# (https://docs.aws.amazon.com/batch/latest/userguide/gpu-jobs.html) and the EC2 P4d/P5 pages (8 GPUs each).
# A size not listed is unknown (None): its GPU metrics cannot be judged.
GPUS: dict[str, dict[str, int]] = {
    "g4dn": {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4},
    "g5": {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "24xlarge": 4,
           "48xlarge": 8},
    "g6": {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4},
    "p2": {"xlarge": 1, "8xlarge": 8, "16xlarge": 16},
    "p3": {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8},
    "p3dn": {"24xlarge": 8},
    "p4d": {"24xlarge": 8},
    "p5": {"48xlarge": 8},
}
CPU_ONLY = re.compile(r"^(m|c|r|t|x|z)\d")  # general purpose, compute, memory and burstable families
# EC2 sizes: large = 2 vCPUs, xlarge = 4, Nxlarge = 4N (the same table's vCPU column bears it out);
# t2/t3 medium have 2. The exceptions that break the rule are listed.
VCPU_EXCEPTIONS = {"ml.c4.8xlarge": 36}
INSTANCE = re.compile(r"^ml\.([a-z0-9-]+)\.([a-z0-9]+)$")


def _split(instance_type: str | None) -> tuple[str, str] | None:
    match = INSTANCE.match(instance_type or "")
    return (match.group(1), match.group(2)) if match else None


def family(instance_type: str | None) -> str | None:
    parts = _split(instance_type)
    return parts[0] if parts else None


def gpus(instance_type: str | None) -> int | None:
    """GPUs on the instance: 0 for CPU-only families, None when unknown."""
    parts = _split(instance_type)
    if not parts:
        return None
    fam, size = parts
    if CPU_ONLY.match(fam):
        return 0
    return GPUS.get(fam, {}).get(size)


def vcpus(instance_type: str | None) -> int | None:
    if instance_type in VCPU_EXCEPTIONS:
        return VCPU_EXCEPTIONS[instance_type]
    parts = _split(instance_type)
    if not parts:
        return None
    size = parts[1]
    if size in ("medium", "large"):
        return 2
    match = re.fullmatch(r"(\d*)xlarge", size)
    return 4 * int(match.group(1) or 1) if match else None


def normalised(metric: str, value: float | None, instance_type: str | None) -> float | None:
    """A utilisation as a share of the whole instance (0-100). CPU and GPU metrics are summed over cores and
    GPUs (400 % on four), so they are divided by the count; None when the count is unknown."""
    if value is None:
        return None
    if metric == CPU:
        count = vcpus(instance_type)
    elif metric in (GPU, GPU_MEMORY):
        count = gpus(instance_type)
    else:
        return value
    return value / count if count else None


# --- queries -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricQuery:
    id: str
    region: str
    arn: str
    key: str  # the variant, host or component the series belongs to; ALL_HOSTS for a SEARCH
    metric: str
    namespace: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    start: dt.datetime
    end: dt.datetime
    expression: str | None = None
    # A job's series exist only while it ran, so any window covering the run reads the same points
    # and job queries can share one; an endpoint's must be read over exactly its window.
    run_scoped: bool = False

    def to_api(self) -> dict:
        if self.expression:
            return {"Id": self.id, "Expression": self.expression, "ReturnData": True}
        metric = {
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
        }
        return {"Id": self.id, "MetricStat": {"Metric": metric, "Period": self.period, "Stat": self.stat},
                "ReturnData": True}


def query_id(*parts: object) -> str:
    """Stable across runs and orderings, and valid for GetMetricData (^[a-z][a-zA-Z0-9_]*$)."""
    return "m" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:24]


def _floor(moment: dt.datetime, period: int) -> dt.datetime:
    seconds = int(moment.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % period, dt.timezone.utc)


def _query(record: ResourceRecord, key: str, metric: str, namespace: str, dims, stat: str, period: int,
           start: dt.datetime, end: dt.datetime, expression: str | None = None) -> MetricQuery:
    qid = query_id(record.region, record.arn, key, metric, period, start.isoformat(), end.isoformat())
    return MetricQuery(qid, record.region, record.arn, key, metric, namespace, tuple(dims), stat, period, start, end,
                       expression, run_scoped=record.type in JOB_NS)


def _metrics_for(instance_type: str | None) -> tuple[str, ...]:
    if gpus(instance_type) == 0:
        return (CPU, MEMORY)  # no GPU series exist for CPU-only instances
    return INSTANCE_METRICS


def endpoint_queries(record: ResourceRecord, period: int, start: dt.datetime, end: dt.datetime) -> list[MetricQuery]:
    queries = []
    for variant in record.capacity:
        dims = (("EndpointName", record.name), ("VariantName", variant.name))
        queries.append(_query(record, variant.name, INVOCATIONS, INVOCATIONS_NS, dims, "Sum", period, start, end))
        if not variant.serverless:
            queries.extend(_query(record, variant.name, m, ENDPOINT_NS, dims, "Maximum", period, start, end)
                           for m in _metrics_for(variant.instance_type))
    return queries


def component_queries(record: ResourceRecord, period: int, start: dt.datetime, end: dt.datetime) -> list[MetricQuery]:
    dims = (("InferenceComponentName", record.name),)
    return [_query(record, record.name, m, COMPONENT_NS, dims, "Maximum", period, start, end)
            for m in COMPONENT_METRICS]


def job_window(record: ResourceRecord, as_of: dt.datetime, period: int) -> tuple[dt.datetime, dt.datetime] | None:
    if record.started is None:
        return None
    end = record.ended if record.ended and record.ended < as_of else as_of
    start = _floor(record.started, period)
    end = min(as_of, _floor(end, period) + dt.timedelta(seconds=period))
    return (start, end) if end > start else None


def transform_search(name: str, metric: str, period: int) -> str:
    return (f"SEARCH('{{\"{JOB_NS['transform-job']}\",Host}} MetricName=\"{metric}\" Host={name}', "
            f"'Maximum', {period})")


def job_queries(record: ResourceRecord, as_of: dt.datetime, period: int) -> list[MetricQuery]:
    window = job_window(record, as_of, period)
    itype = record.instance_type  # heterogeneous clusters are skipped: hosts cannot be told apart
    if window is None or itype is None or not JOB_NAME.match(record.name):
        return []
    namespace, metrics = JOB_NS[record.type], _metrics_for(itype)
    if record.type == "transform-job":
        return [_query(record, ALL_HOSTS, m, namespace, (), "Maximum", period, *window,
                       expression=transform_search(record.name, m, period)) for m in metrics]
    hosts = [f"{record.name}/algo-{i}" for i in range(1, record.instance_count + 1)]
    return [_query(record, host, m, namespace, (("Host", host),), "Maximum", period, *window)
            for host in hosts for m in metrics]


def queries_for(records: Iterable[ResourceRecord], as_of: dt.datetime, lookback_days: int = 14,
                period_seconds: int = 3600) -> list[MetricQuery]:
    """Every query the recommendations need: hosted endpoints and in-service components over the lookback;
    training, processing and transform jobs over their own run, when they ran in the month or the lookback."""
    if period_seconds <= 0 or period_seconds % 60:
        raise ValueError("period_seconds must be a positive multiple of 60")
    end = as_of
    start = _floor(as_of - dt.timedelta(days=lookback_days), period_seconds)
    since = min(month_of(as_of)[0], start)
    queries: list[MetricQuery] = []
    for record in records:
        if record.type == "endpoint" and record.state in HOSTED_STATES:
            queries.extend(endpoint_queries(record, period_seconds, start, end))
        elif record.type == "inference-component" and record.state == "InService":
            queries.extend(component_queries(record, period_seconds, start, end))
        elif record.type in JOB_NS and (record.ended is None or record.ended >= since):
            queries.extend(job_queries(record, as_of, period_seconds))
    return queries


def batches(queries: Sequence[MetricQuery], size: int = MAX_QUERIES) -> list[list[MetricQuery]]:
    if not 0 < size <= MAX_QUERIES:
        raise ValueError(f"a GetMetricData batch holds 1 to {MAX_QUERIES} queries")
    return [list(queries[i:i + size]) for i in range(0, len(queries), size)]


# --- results -------------------------------------------------------------------------------------------------


@dataclass
class MetricSeries:
    """Datapoint values by resource ARN, metric and key (variant, host, component). A series with no
    datapoints is absent: every accessor then answers None, never 0."""

    data: dict[str, dict[str, dict[str, list[float]]]] = field(default_factory=dict)
    answered: set[tuple[str, str, str]] = field(default_factory=set)  # (arn, key, metric) CloudWatch answered
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_values(cls, values: dict[tuple[str, str, str], Iterable[float]]) -> "MetricSeries":
        """For tests and other sources: {(arn, key, metric): values}; an empty list means answered, no data."""
        series = cls()
        for (arn, key, metric), points in values.items():
            series.add(arn, key, metric, points)
        return series

    def add(self, arn: str, key: str, metric: str, points: Iterable[float]) -> None:
        self.answered.add((arn, key, metric))
        points = [float(p) for p in points]
        if points:
            self.data.setdefault(arn, {}).setdefault(metric, {}).setdefault(key, []).extend(points)

    def values(self, arn: str, key: str, metric: str) -> list[float] | None:
        return self.data.get(arn, {}).get(metric, {}).get(key) or None

    def total(self, arn: str, key: str, metric: str) -> float | None:
        points = self.values(arn, key, metric)
        return sum(points) if points is not None else None

    def peak(self, arn: str, metric: str, key: str | None = None) -> float | None:
        """The highest datapoint for one key, or over every key (all hosts of a job)."""
        by_key = self.data.get(arn, {}).get(metric, {})
        points = by_key.get(key, []) if key is not None else [p for ps in by_key.values() for p in ps]
        return max(points) if points else None

    def has_data(self, arn: str, key: str | None = None) -> bool:
        return any(key is None or key in by_key for by_key in self.data.get(arn, {}).values())

    def merge(self, other: "MetricSeries") -> "MetricSeries":
        for arn, metrics in other.data.items():
            for metric, by_key in metrics.items():
                for key, points in by_key.items():
                    self.add(arn, key, metric, points)
        self.answered |= other.answered
        self.errors.extend(other.errors)
        return self


# --- fetching ------------------------------------------------------------------------------------------------

ANSWERED_STATUS = {"Complete", "PartialData"}  # InternalError and Forbidden leave a series unknown


def fetch(clients, region: str, queries: Sequence[MetricQuery], start: dt.datetime, end: dt.datetime) -> MetricSeries:
    """One GetMetricData call per batch of 500, following NextToken; results are mapped back by query id."""
    client = clients.client("cloudwatch", region)
    by_id = {q.id: q for q in queries}
    points: dict[str, list[float]] = defaultdict(list)
    status: dict[str, str] = {}
    for batch in batches(queries):
        params = {"MetricDataQueries": [q.to_api() for q in batch], "StartTime": start, "EndTime": end,
                  "ScanBy": "TimestampAscending"}
        while True:
            response = client.get_metric_data(**params)
            for result in response.get("MetricDataResults") or []:
                points[result["Id"]].extend(v for v in result.get("Values") or [] if math.isfinite(v))
                if status.get(result["Id"]) not in ("InternalError", "Forbidden"):
                    status[result["Id"]] = result.get("StatusCode", "Complete")
            if not response.get("NextToken"):
                break
            params["NextToken"] = response["NextToken"]
    series = MetricSeries()
    for qid, query in by_id.items():
        if status.get(qid) in ANSWERED_STATUS:
            series.add(query.arn, query.key, query.metric, points.get(qid, []))
    return series


def fetch_all(clients, queries: Sequence[MetricQuery]) -> MetricSeries:
    """Fetch every query: those sharing a window together, and each region's job queries over the span of their
    runs. An AWS error in a region is noted and leaves its series unknown; the other regions still count."""
    import botocore.exceptions

    from .session import error_code

    groups: dict[tuple, list[MetricQuery]] = defaultdict(list)
    for query in queries:
        groups[(query.region,) if query.run_scoped else (query.region, query.start, query.end)].append(query)
    series, failed = MetricSeries(), set()
    for key, group in sorted(groups.items(), key=lambda item: str(item[0])):
        region = key[0]
        if region in failed:
            continue
        try:
            series.merge(fetch(clients, region, group, min(q.start for q in group), max(q.end for q in group)))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            # Metrics are advice: a fault leaves utilisation unknown in that region, never ends the scan.
            failed.add(region)
            code = error_code(exc)
            series.errors.append(f"cloudwatch:GetMetricData in {region}: {code}; utilisation unknown there")
    return series
