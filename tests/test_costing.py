"""Every cost rule pinned with hand-computed values (DESIGN.md, "Cost rules")."""
import datetime as dt

import pytest

from sagecheck.costing import Period, cost_all, totals
from sagecheck.period import month_of
from sagecheck.pricing import PriceBook
from sagecheck.records import Capacity, ResourceRecord

UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 12, 15, tzinfo=UTC)  # Dec: 744 h; 336 h to date, 408 h left
PERIOD = Period(*month_of(AS_OF), AS_OF)
R = "us-east-1"
BOOK = PriceBook("test", {
    (R, "training", "ml.m5.xlarge"): 0.23, (R, "training", "ml.g5.xlarge"): 1.408,
    (R, "processing", "ml.m5.xlarge"): 0.23, (R, "transform", "ml.m5.xlarge"): 0.23,
    (R, "hosting", "ml.m5.xlarge"): 0.23, (R, "cluster", "ml.p4d.24xlarge"): 37.688,
    (R, "notebook", "ml.t3.medium"): 0.05, (R, "storage", ""): 0.14, (R, "studio", "ml.g4dn.xlarge"): 0.94,
})


def at(day, hour=0, minute=0, month=12):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def rec(type_, name, state="Completed", **kw):
    return ResourceRecord(type_, name, f"arn:aws:sagemaker:{R}:1:{type_}/{name}", R, "1", state, **kw)


def job(name, capacity, billable=None, **kw):
    kw.setdefault("started", at(14, 9))
    kw.setdefault("ended", at(14, 10))
    return rec("training-job", name, capacity=capacity, billable_seconds=billable, **kw)


M5 = (Capacity("", "ml.m5.xlarge", 1),)
M5X2 = (Capacity("", "ml.m5.xlarge", 2),)


def line_of(records, name):
    return next(l for l in cost_all(records, BOOK, PERIOD) if l.record.name == name)


def test_training_job_billable_seconds_times_count_times_rate():
    line = line_of([job("t", M5X2, billable=3600)], "t")
    assert line.cost_usd == pytest.approx(0.46)
    assert line.forecast_usd == pytest.approx(0.46)
    assert line.naive_month_usd == pytest.approx(0.23 * 2 * 730)


def test_spot_job_cost_and_savings_percent():
    line = line_of([job("s", M5, billable=2400, run_seconds=4000, spot=True)], "s")
    assert line.cost_usd == pytest.approx(2400 / 3600 * 0.23)
    assert line.spot_savings_pct == 40.0


def test_warm_pool_retained_time_billed_at_the_training_rate():
    line = line_of([job("w", M5, billable=1800, warm_pool_seconds=600)], "w")
    assert line.cost_usd == pytest.approx(2400 / 3600 * 0.23)


def test_heterogeneous_job_sums_its_instance_groups():
    groups = (Capacity("a", "ml.m5.xlarge", 2), Capacity("b", "ml.g5.xlarge", 1))
    assert line_of([job("h", groups, billable=1800)], "h").cost_usd == pytest.approx((0.46 + 1.408) * 0.5)


def test_processing_job_end_minus_start():
    p = rec("processing-job", "p", capacity=(Capacity("", "ml.m5.xlarge", 3),), started=at(14, 10), ended=at(14, 11, 30))
    assert line_of([p], "p").cost_usd == pytest.approx(3 * 0.23 * 1.5)


def test_transform_job_end_minus_start():
    t = rec("transform-job", "x", capacity=M5, started=at(14, 10), ended=at(14, 10, 20))
    assert line_of([t], "x").cost_usd == pytest.approx(0.23 / 3)


def test_running_job_accrues_to_as_of_and_its_forecast_equals_its_cost():
    r = job("r", M5X2, state="InProgress", started=at(14, 22), ended=None)
    line = line_of([r], "r")
    assert line.cost_usd == pytest.approx(0.46 * 2) and line.forecast_usd == line.cost_usd


def test_job_that_ended_last_month_is_not_this_months_cost():
    old = job("old", M5, billable=3600, started=at(30, 9, month=11), ended=at(30, 10, month=11))
    lines = cost_all([old], BOOK, PERIOD)
    assert not lines[0].in_totals and totals(lines).cost_usd == 0


def test_tuning_parent_rolls_up_children_counted_once():
    parent = rec("hyperparameter-tuning-job", "hpo")
    children = [job(f"c{i}", M5X2, billable=3600, parent_arn=parent.arn) for i in range(3)]
    lines = cost_all([parent, *children], BOOK, PERIOD)
    rolled = next(l for l in lines if l.record.name == "hpo")
    assert rolled.cost_usd == pytest.approx(1.38) and rolled.children == 3 and not rolled.in_totals
    assert totals(lines).cost_usd == pytest.approx(1.38), "children once, parent never"


def test_endpoint_month_to_date_and_forecast():
    old = rec("endpoint", "e", "InService", capacity=M5X2, created=at(1, month=11))
    new = rec("endpoint", "n", "InService", capacity=M5X2, created=at(10))
    lines = {l.record.name: l for l in cost_all([old, new], BOOK, PERIOD)}
    assert lines["e"].cost_usd == pytest.approx(0.46 * 336)
    assert lines["e"].forecast_usd == pytest.approx(0.46 * 744)
    assert lines["n"].cost_usd == pytest.approx(0.46 * 120)
    assert lines["n"].forecast_usd == pytest.approx(0.46 * 120 + 0.46 * 408)


def test_stopped_hyperpod_cluster_costs_nothing_now_or_later():
    stopped = rec("hyperpod-cluster", "hp", "stopped", capacity=(Capacity("g", "ml.p4d.24xlarge", 0, target=0),),
                  created=at(1, month=10))
    line = line_of([stopped], "hp")
    assert line.priced and line.cost_usd == 0 and line.forecast_usd == 0 and line.naive_month_usd == 0


def test_running_hyperpod_cluster_bills_current_nodes():
    running = rec("hyperpod-cluster", "hp", "InService", capacity=(Capacity("g", "ml.p4d.24xlarge", 2, target=2),),
                  created=at(1, month=10))
    assert line_of([running], "hp").forecast_usd == pytest.approx(37.688 * 2 * 744)


def test_stopped_notebook_bills_only_storage():
    nb = rec("notebook-instance", "nb", "Stopped", capacity=(Capacity("", "ml.t3.medium", 1),), volume_gb=50,
             created=at(1, month=6))
    line = line_of([nb], "nb")
    assert line.compute_usd == 0
    assert line.storage_usd == pytest.approx(0.14 * 50 * 336 / 744)
    assert line.forecast_usd == pytest.approx(7.0)
    assert line.naive_month_usd == 0


def test_unpriced_type_is_named_and_counted_never_zero():
    unpriced = job("big", (Capacity("", "ml.p5e.48xlarge", 1),), billable=3600)
    lines = cost_all([unpriced, job("t", M5X2, billable=3600)], BOOK, PERIOD)
    line = next(l for l in lines if l.record.name == "big")
    assert not line.priced and "ml.p5e.48xlarge" in line.unpriced_reason
    assert totals(lines).unpriced_count == 1
    assert totals(lines).cost_usd == pytest.approx(0.46)


def test_naive_forecast_and_phantom():
    records = [
        job("a", M5X2, billable=3600),  # real 0.46, naive 335.8
        job("b", M5, billable=1800),  # real 0.115, naive 167.9
        rec("endpoint", "e", "InService", capacity=M5X2, created=at(1, month=11)),  # naive 335.8, real 342.24
        rec("notebook-instance", "nb", "Stopped", capacity=(Capacity("", "ml.t3.medium", 1),), volume_gb=50,
            created=at(1, month=6)),  # adds nothing to naive
    ]
    t = totals(cost_all(records, BOOK, PERIOD))
    assert t.naive_forecast_usd == pytest.approx(335.8 + 167.9 + 335.8)
    assert t.phantom_usd == pytest.approx((335.8 - 0.46) + (167.9 - 0.115))
    assert t.forecast_usd == pytest.approx(0.46 + 0.115 + 342.24 + 7.0)
    assert t.finished_jobs == 2


def test_serverless_variant_is_unpriced_without_a_row():
    e = rec("endpoint", "sls", "InService", capacity=(Capacity("v", None, 0, serverless=True),), created=at(1))
    assert not line_of([e], "sls").priced


def test_studio_app_hourly():
    app = rec("studio-app", "lab", "InService", capacity=(Capacity("", "ml.g4dn.xlarge", 1),), created=at(14))
    assert line_of([app], "lab").cost_usd == pytest.approx(0.94 * 24)


def test_async_endpoint_uses_the_async_inference_rate():
    book = PriceBook("test", {**BOOK.rates, (R, "async-inference", "ml.m5.xlarge"): 0.3})
    e = rec("endpoint", "a", "InService", capacity=M5, created=at(1, month=11), attrs={"async": True})
    line = cost_all([e], book, PERIOD)[0]
    assert line.cost_usd == pytest.approx(0.3 * 336)
    assert not cost_all([e], BOOK, PERIOD)[0].priced, "no async row: unpriced, not the hosting rate"


@pytest.mark.parametrize("state", ["SystemUpdating", "RollingBack", "Updating"])
def test_hyperpod_nodes_bill_whatever_the_cluster_status(state):
    cluster = rec("hyperpod-cluster", "hp", state, capacity=(Capacity("g", "ml.p4d.24xlarge", 2, target=2),),
                  created=at(1, month=10))
    assert line_of([cluster], "hp").forecast_usd == pytest.approx(37.688 * 2 * 744)


def test_a_compilation_job_of_last_year_is_not_this_months_unpriced_item():
    old = rec("compilation-job", "neo", started=at(1, month=1).replace(year=2025), ended=at(1, month=1).replace(year=2025))
    assert totals(cost_all([old], BOOK, PERIOD)).unpriced_count == 0
    new = rec("compilation-job", "neo2", started=at(14, 9), ended=at(14, 10))
    assert totals(cost_all([new], BOOK, PERIOD)).unpriced_count == 1
