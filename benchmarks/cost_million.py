"""Time to cost 1,000,000 job records against json.loads of the same records, in one run; peak RSS.

Run: python benchmarks/cost_million.py [N]   (default 1,000,000; target cost time <= 1.5 x json.loads)
"""
from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time

from sagecheck.costing import Period, cost_all, totals
from sagecheck.period import month_of
from sagecheck.pricing import bundled
from sagecheck.records import Capacity, ResourceRecord

UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 12, 15, tzinfo=UTC)
TYPES = ("ml.m5.xlarge", "ml.g4dn.xlarge", "ml.g5.xlarge", "ml.p3.2xlarge", "ml.c5.9xlarge")


def raw_jobs(n: int) -> list[dict]:
    start = dt.datetime(2026, 12, 1, tzinfo=UTC)
    return [
        {"TrainingJobName": f"job-{i}", "TrainingJobArn": f"arn:aws:sagemaker:eu-west-1:1:training-job/job-{i}",
         "TrainingJobStatus": "Completed", "BillableTimeInSeconds": 600 + i % 3000,
         "TrainingStartTime": (start + dt.timedelta(minutes=i % 20000)).isoformat(),
         "TrainingEndTime": (start + dt.timedelta(minutes=i % 20000 + 40)).isoformat(),
         "ResourceConfig": {"InstanceType": TYPES[i % len(TYPES)], "InstanceCount": 1 + i % 4}}
        for i in range(n)
    ]


def records_of(jobs: list[dict]) -> list[ResourceRecord]:
    return [
        ResourceRecord("training-job", j["TrainingJobName"], j["TrainingJobArn"], "eu-west-1", "1", j["TrainingJobStatus"],
                       started=dt.datetime.fromisoformat(j["TrainingStartTime"]),
                       ended=dt.datetime.fromisoformat(j["TrainingEndTime"]),
                       capacity=(Capacity("", j["ResourceConfig"]["InstanceType"], j["ResourceConfig"]["InstanceCount"]),),
                       billable_seconds=j["BillableTimeInSeconds"])
        for j in jobs
    ]


def main(n: int = 1_000_000) -> dict:
    jobs = raw_jobs(n)
    text = json.dumps(jobs)
    started = time.perf_counter()
    json.loads(text)
    loads_seconds = time.perf_counter() - started
    records = records_of(jobs)
    del jobs
    book = bundled()
    period = Period(*month_of(AS_OF), AS_OF)
    started = time.perf_counter()
    lines = cost_all(records, book, period)
    result = totals(lines)
    cost_seconds = time.perf_counter() - started
    figures = {
        "records": n,
        "json_loads_s": round(loads_seconds, 2),
        "cost_s": round(cost_seconds, 2),
        "cost_vs_json_loads": round(cost_seconds / loads_seconds, 2),
        "priced": sum(1 for l in lines if l.priced),
        "real_usd": round(result.cost_usd, 2),
        "phantom_usd": round(result.phantom_usd, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
