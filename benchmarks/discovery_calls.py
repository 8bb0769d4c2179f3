"""API calls that discovery makes for N finished training jobs, against a list-then-describe baseline.

Run: python benchmarks/discovery_calls.py [N]   (default 5,000; target <= N/100 + 10 calls)
Both are measured in the same run, on the same simulated account.
"""
from __future__ import annotations

import datetime as dt
import sys
import time

from sagecheck.demo.scenario import simulated_account
from sagecheck.discovery import discover
from sagecheck.registry import BY_NAME
from sagecheck.session import read_only_clients


def list_then_describe(session, region: str) -> int:
    # The baseline's ListTrainingJobs/DescribeTrainingJob are not in the catalog: a fresh, unguarded session.
    client = session.client("sagemaker", region_name=region)
    calls = 0
    for page in client.get_paginator("list_training_jobs").paginate():
        calls += 1
        for summary in page["TrainingJobSummaries"]:
            client.describe_training_job(TrainingJobName=summary["TrainingJobName"])
            calls += 1
    return calls


def main(n: int = 5000) -> dict:
    as_of = dt.datetime(2026, 12, 15, tzinfo=dt.timezone.utc)
    with simulated_account(as_of, regions=("us-east-1",), training_jobs=n) as account:
        clients = read_only_clients(account.new_admin_session())
        started = time.perf_counter()
        result = discover(clients, ["us-east-1"], account.account_id, types=[BY_NAME["training-job"]])
        ours_seconds = time.perf_counter() - started
        ours = sum(clients.calls.values())  # every call the guard let through, pages included
        started = time.perf_counter()
        baseline = list_then_describe(account.new_admin_session(), "us-east-1")
        baseline_seconds = time.perf_counter() - started
    figures = {
        "jobs": n,
        "jobs_found": len(result.records),
        "sagecheck_calls": ours,
        "target_calls": n // 100 + 10,
        "baseline_calls": baseline,
        "call_ratio": round(baseline / ours, 1),
        "time_ratio": round(baseline_seconds / ours_seconds, 1),
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
