"""Each recommendation rule on hand-made records and series: positive, negative and no-data cases, with
savings computed by hand. Also the thresholds file."""
import dataclasses
import datetime as dt
import json

import pytest

from sagecheck import thresholds as thresholds_module
from sagecheck.costing import CostLine
from sagecheck.errors import InputError
from sagecheck.metrics import ALL_HOSTS, MetricSeries
from sagecheck.pricing import PriceBook, PriceRow
from sagecheck.recommend import Recommendation, job_family, off_fraction, recommend
from sagecheck.records import Capacity, ResourceRecord
from sagecheck.thresholds import DEFAULTS, Thresholds

UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 12, 15, 12, tzinfo=UTC)
REGION = "eu-west-1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:"
WEEKDAY_OFF = 108 / 168  # Mon-Fri 08:00-20:00 is on 60 of the week's 168 hours

BOOK = PriceBook.from_rows([
    PriceRow(REGION, usage, itype, "hour", usd)
    for usage, itype, usd in [
        ("hosting", "ml.g5.12xlarge", 7.0), ("hosting", "ml.g5.2xlarge", 1.5), ("hosting", "ml.g5.xlarge", 1.0),
        ("hosting", "ml.m5.xlarge", 0.25), ("hosting", "ml.m5.large", 0.125),
        ("processing", "ml.m5.4xlarge", 0.8), ("processing", "ml.m5.2xlarge", 0.4),
        ("processing", "ml.m5.xlarge", 0.2), ("processing", "ml.m5.large", 0.1),
        ("training", "ml.m5.xlarge", 0.25),
        ("cluster", "ml.g5.12xlarge", 7.0),
    ]
], "test prices")


def rec(rtype, name, state="InService", **fields):
    return ResourceRecord(type=rtype, name=name, arn=f"{ARN}{rtype}/{name}", region=REGION, account="123456789012",
                          state=state, **fields)


def hourly(record, usd=1.0, priced=True):
    return CostLine(record, "hourly", priced=priced, hourly_usd=usd if priced else 0.0)


def job_line(record, compute=10.0, priced=True, in_totals=True, spot_pct=None):
    return CostLine(record, "run-duration", priced=priced, compute_usd=compute if priced else 0.0,
                    forecast_usd=compute if priced else 0.0, in_totals=in_totals,
                    spot_savings_pct=spot_pct)


def series(values):
    return MetricSeries.from_values(values)


def run(lines, values=None, t=DEFAULTS, book=BOOK):
    return recommend(lines, series(values or {}), book, AS_OF, t)


def kinds(recs, kind):
    return [r for r in recs if r.kind == kind]


# --- idle and partly idle endpoints -------------------------------------------------------------------------


def endpoint(name="ep", variants=(("AllTraffic", "ml.m5.xlarge", 2),), age_days=30, state="InService"):
    capacity = tuple(Capacity(n, t, c, serverless=t is None) for n, t, c in variants)
    return rec("endpoint", name, state=state, capacity=capacity, created=AS_OF - dt.timedelta(days=age_days))


def test_idle_endpoint_with_zero_invocations_saves_its_whole_hourly_cost():
    ep = endpoint()
    recs = run([hourly(ep, 0.5)], {(ep.arn, "AllTraffic", "Invocations"): [0, 0, 0]})
    (idle,) = kinds(recs, "idle-endpoint")
    assert idle.arn == ep.arn and idle.monthly_savings_usd == pytest.approx(0.5 * 730)
    assert "14 days" in idle.reason and kinds(recs, "overprovisioned-endpoint") == []


def test_idle_endpoint_when_instances_reported_but_no_invocation_was_ever_recorded():
    ep = endpoint()
    recs = run([hourly(ep, 0.5)], {(ep.arn, "AllTraffic", "Invocations"): [],
                                   (ep.arn, "AllTraffic", "CPUUtilization"): [1.0, 0.5]})
    assert [r.kind for r in recs] == ["idle-endpoint"]


def test_endpoint_with_traffic_is_not_idle():
    ep = endpoint()
    assert run([hourly(ep)], {(ep.arn, "AllTraffic", "Invocations"): [0, 12]}) == []


def test_endpoint_without_any_metric_data_gets_nothing():
    ep = endpoint()
    assert run([hourly(ep)], {(ep.arn, "AllTraffic", "Invocations"): []}) == []
    assert run([hourly(ep)]) == []


def test_young_or_not_hosted_endpoints_are_skipped():
    young, failed = endpoint("young", age_days=5), endpoint("failed", state="Failed")
    values = {(e.arn, "AllTraffic", "Invocations"): [0] for e in (young, failed)}
    assert run([hourly(young), hourly(failed)], values) == []


def test_an_unpriced_idle_endpoint_has_an_unknown_saving_not_zero():
    ep = endpoint()
    (idle,) = run([hourly(ep, priced=False)], {(ep.arn, "AllTraffic", "Invocations"): [0]})
    assert idle.monthly_savings_usd is None and idle.to_dict()["monthly_savings_usd"] is None
    assert "unpriced" in idle.reason


def test_partly_idle_endpoint_prices_the_idle_variants():
    ep = endpoint(variants=(("A", "ml.m5.xlarge", 2), ("B", "ml.m5.xlarge", 1), ("C", "ml.g5.xlarge", 1)))
    values = {(ep.arn, "A", "Invocations"): [100], (ep.arn, "B", "Invocations"): [0],
              (ep.arn, "C", "Invocations"): [], (ep.arn, "C", "MemoryUtilization"): [20]}
    (partly,) = kinds(run([hourly(ep)], values), "partly-idle-endpoint")
    assert partly.details["idle_variants"] == ["B", "C"]
    assert partly.monthly_savings_usd == pytest.approx((0.25 * 1 + 1.0 * 1) * 730)


def test_partly_idle_needs_a_busy_variant_and_unknown_is_not_idle():
    ep = endpoint(variants=(("A", "ml.m5.xlarge", 1), ("B", "ml.m5.xlarge", 1)))
    assert run([hourly(ep)], {(ep.arn, "A", "Invocations"): [0]}) == []  # B unknown: neither idle nor partly


def test_partly_idle_with_an_unpriced_variant_is_unknown():
    ep = endpoint(variants=(("A", "ml.m5.xlarge", 1), ("B", "ml.c7.xlarge", 1)))
    recs = run([hourly(ep)], {(ep.arn, "A", "Invocations"): [5], (ep.arn, "B", "Invocations"): [0]})
    assert [(r.kind, r.monthly_savings_usd) for r in recs] == [("partly-idle-endpoint", None)]


def test_serverless_variants_are_never_idle_by_silence():
    ep = endpoint(variants=(("sls", None, 0),))
    assert run([hourly(ep, priced=False)], {(ep.arn, "sls", "Invocations"): []}) == []


# --- over-provisioned endpoints ----------------------------------------------------------------------------


def gpu_endpoint(count=4):
    return endpoint(variants=(("AllTraffic", "ml.g5.12xlarge", count),))


def gpu_values(arn, cpu=96.0, gpu=40.0, memory=10.0, gpu_memory=40.0, invocations=(500,)):
    # raw CloudWatch figures: CPU summed over 48 vCPUs, GPU summed over 4 GPUs
    return {(arn, "AllTraffic", "Invocations"): list(invocations), (arn, "AllTraffic", "CPUUtilization"): [cpu],
            (arn, "AllTraffic", "GPUUtilization"): [gpu], (arn, "AllTraffic", "MemoryUtilization"): [memory],
            (arn, "AllTraffic", "GPUMemoryUtilization"): [gpu_memory]}


def test_overprovisioned_endpoint_picks_the_bigger_saving_of_fewer_instances_and_a_smaller_type():
    ep = gpu_endpoint(4)
    (over,) = run([hourly(ep, 28.0)], gpu_values(ep.arn))
    # peaks as shares: CPU 96/48 = 2 %, GPU 40/4 = 10 %, memory 10 %, GPU memory 40/4 = 10 %.
    assert over.details["peaks_pct"] == {"CPUUtilization": 2.0, "GPUUtilization": 10.0, "MemoryUtilization": 10.0,
                                         "GPUMemoryUtilization": 10.0}
    # fewer: ceil(4 x 10 / 60) = 1, floored at 2 instances -> saves 2 x 7.0 x 730 = 10,220.
    # g5.xlarge (4 vCPUs) would put memory at 10 x 12 = 120 %; g5.2xlarge (8 vCPUs, 1 GPU) peaks at 60 %:
    # 4 x (7.0 - 1.5) x 730 = 16,060, the bigger saving.
    assert over.details["suggested"]["instance_type"] == "ml.g5.2xlarge"
    assert over.monthly_savings_usd == pytest.approx(16060)
    assert "use ml.g5.2xlarge instead of ml.g5.12xlarge" in over.reason


def test_overprovisioned_endpoint_prefers_fewer_instances_when_no_smaller_type_fits():
    ep = gpu_endpoint(6)
    (over,) = run([hourly(ep)], gpu_values(ep.arn, memory=25.0))  # memory 25 % rules out every smaller size
    assert over.details["suggested"] == {"instance_count": 2}
    assert over.monthly_savings_usd == pytest.approx(4 * 7.0 * 730)


def test_gpu_metrics_are_judged_per_gpu():
    ep = gpu_endpoint(4)
    assert run([hourly(ep)], gpu_values(ep.arn, gpu=120.0)) == []  # 120 % over 4 GPUs is 30 %: not under 20 %
    assert kinds(run([hourly(ep)], gpu_values(ep.arn, gpu=76.0)), "overprovisioned-endpoint")  # 19 %


def test_busy_endpoint_is_not_overprovisioned():
    ep = endpoint(variants=(("AllTraffic", "ml.m5.xlarge", 2),))
    values = {(ep.arn, "AllTraffic", "Invocations"): [900], (ep.arn, "AllTraffic", "CPUUtilization"): [240.0]}
    assert run([hourly(ep)], values) == []  # 240 % over 4 vCPUs is 60 %


def test_overprovisioned_needs_cpu_and_gpu_data():
    ep = gpu_endpoint(4)
    values = gpu_values(ep.arn)
    del values[(ep.arn, "AllTraffic", "GPUUtilization")]
    assert run([hourly(ep)], values) == []
    assert run([hourly(ep)], {(ep.arn, "AllTraffic", "Invocations"): [5]}) == []


def test_unknown_gpu_count_cannot_be_judged():
    ep = endpoint(variants=(("AllTraffic", "ml.p5e.48xlarge", 2),))
    values = {(ep.arn, "AllTraffic", m): [1.0] for m in ("Invocations", "CPUUtilization", "GPUUtilization")}
    assert run([hourly(ep)], values) == []


def test_never_below_two_instances_and_a_single_unpriced_instance_has_an_unknown_saving():
    ep = endpoint(variants=(("AllTraffic", "ml.m5.xlarge", 2),))
    values = {(ep.arn, "AllTraffic", "Invocations"): [9], (ep.arn, "AllTraffic", "CPUUtilization"): [8.0],
              (ep.arn, "AllTraffic", "MemoryUtilization"): [12.0]}
    (over,) = run([hourly(ep)], values)
    # not 1 instance (the floor is 2); m5.large: CPU 2 x 2 = 4 %, memory 24 % -> 2 x (0.25 - 0.125) x 730
    assert over.details["suggested"]["instance_type"] == "ml.m5.large"
    assert over.monthly_savings_usd == pytest.approx(182.5)
    solo = endpoint("solo", variants=(("AllTraffic", "ml.c7.xlarge", 1),))
    values = {(solo.arn, "AllTraffic", "Invocations"): [9], (solo.arn, "AllTraffic", "CPUUtilization"): [8.0]}
    assert run([hourly(solo, priced=False)], values) == []  # no memory data: a smaller size cannot be shown to fit
    values[(solo.arn, "AllTraffic", "MemoryUtilization")] = [5.0]
    (unknown,) = run([hourly(solo, priced=False)], values)
    assert unknown.monthly_savings_usd is None and "saving is unknown" in unknown.reason


def test_smallest_size_has_nothing_cheaper_to_offer():
    ep = endpoint(variants=(("AllTraffic", "ml.m5.large", 1),))
    values = {(ep.arn, "AllTraffic", "Invocations"): [9], (ep.arn, "AllTraffic", "CPUUtilization"): [2.0],
              (ep.arn, "AllTraffic", "MemoryUtilization"): [2.0]}
    assert run([hourly(ep)], values) == []


def test_a_smaller_size_missing_from_the_price_book_has_an_unknown_saving():
    ep = endpoint(variants=(("AllTraffic", "ml.g5.xlarge", 1),))  # priced; no cheaper g5 in the book
    values = {(ep.arn, "AllTraffic", m): [v] for m, v in (("Invocations", 9), ("CPUUtilization", 40.0),
              ("MemoryUtilization", 20.0), ("GPUUtilization", 15.0), ("GPUMemoryUtilization", 25.0))}
    (over,) = run([hourly(ep)], values)  # CPU 10 % and memory 20 % double to 20 % and 40 %: a half size fits
    assert over.monthly_savings_usd is None and "no smaller size is priced for hosting" in over.reason
    tight = dataclasses.replace(DEFAULTS, rightsize_max_peak_pct=35)  # 40 % memory on half the size is too much
    assert run([hourly(ep)], values, t=tight) == []


# --- notebooks and Studio apps -----------------------------------------------------------------------------


def notebook(name="nb", config=None, state="InService", activity=None):
    return rec("notebook-instance", name, state=state, capacity=(Capacity("", "ml.t3.medium", 1),),
               attrs={"lifecycle_config": config}, last_activity=activity)


def lifecycle(name, auto_stop):
    return CostLine(rec("notebook-lifecycle-config", name, state="active", attrs={"auto_stop": auto_stop}), "none",
                    priced=True, in_totals=False)


def test_notebook_without_auto_stop_saves_its_off_hours():
    nb = notebook()
    (idle,) = run([hourly(nb, 0.1)])
    assert idle.kind == "idle-notebook" and idle.monthly_savings_usd == pytest.approx(0.1 * 730 * WEEKDAY_OFF)
    (idle,) = run([hourly(notebook(config="plain")), lifecycle("plain", False)])
    assert "auto-stop" in idle.reason


def test_notebook_with_auto_stop_or_stopped_gets_nothing():
    assert run([hourly(notebook(config="auto")), lifecycle("auto", True)]) == []
    assert run([hourly(notebook(state="Stopped"))]) == []


def test_notebook_whose_lifecycle_config_was_not_read_is_unknown():
    assert run([hourly(notebook(config="unread"))]) == []


def test_notebook_quiet_for_days_saves_everything():
    nb = notebook(config="auto", activity=AS_OF - dt.timedelta(days=5))
    (idle,) = run([hourly(nb, 0.1), lifecycle("auto", True)])
    assert idle.monthly_savings_usd == pytest.approx(73.0) and idle.details["idle_days"] == 5.0


def app(name, activity, itype="ml.g4dn.xlarge", state="InService"):
    capacity = (Capacity("", itype, 1),) if itype else ()
    return rec("studio-app", name, state=state, capacity=capacity, last_activity=activity,
               attrs={"app_type": "JupyterLab"})


def test_studio_app_idle_by_last_user_activity():
    (idle,) = run([hourly(app("quiet", AS_OF - dt.timedelta(days=10)), 0.8)])
    assert idle.kind == "idle-studio-app" and idle.monthly_savings_usd == pytest.approx(0.8 * 730)
    assert "10 days" in idle.reason


def test_studio_app_recently_used_free_or_without_activity_data_gets_nothing():
    lines = [hourly(app("busy", AS_OF - dt.timedelta(hours=5))), hourly(app("unknown", None)),
             hourly(app("system", AS_OF - dt.timedelta(days=30), itype=None)),
             hourly(app("deleted", AS_OF - dt.timedelta(days=30), state="Deleted"))]
    assert run(lines) == []


# --- HyperPod ----------------------------------------------------------------------------------------------


def cluster(name="hp", state="InService", tags=None, groups=(("ctl", "ml.m5.xlarge", 1), ("gpu", "ml.g5.12xlarge", 4))):
    return rec("hyperpod-cluster", name, state=state, tags=tags or {},
               capacity=tuple(Capacity(g, t, c, target=c) for g, t, c in groups))


def test_running_cluster_without_a_schedule_saves_nights_and_weekends():
    (schedule,) = run([hourly(cluster(), 10.0)])
    assert schedule.kind == "hyperpod-schedule"
    assert schedule.monthly_savings_usd == pytest.approx(10.0 * 730 * WEEKDAY_OFF)  # 4,692.86
    assert schedule.details["off_share"] == pytest.approx(0.6429, abs=1e-4)


def test_scheduled_or_stopped_clusters_get_nothing():
    scheduled = cluster("a", tags={"sagecheck:schedule": "weekdays 08:00-20:00 UTC"})
    stopped = cluster("b", state="stopped", groups=(("gpu", "ml.g5.12xlarge", 0),))
    assert run([hourly(scheduled), CostLine(stopped, "hourly", priced=True)]) == []


def test_the_schedule_window_is_configurable():
    t = dataclasses.replace(DEFAULTS, schedule_days=DAYS_ALL, schedule_start="06:00", schedule_end="18:00")
    (schedule,) = run([hourly(cluster(), 10.0)], t=t)
    assert schedule.monthly_savings_usd == pytest.approx(10.0 * 730 * 0.5)


DAYS_ALL = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_idle_cluster_from_utilisation_supersedes_the_schedule():
    hp = cluster()
    values = {(hp.arn, "ctl", "CPUUtilization"): [3.0], (hp.arn, "gpu", "GPUUtilization"): [1.0, 4.0]}
    (idle,) = run([hourly(hp, 10.0)], values)
    assert idle.kind == "idle-hyperpod" and idle.monthly_savings_usd == pytest.approx(7300)


def test_overprovisioned_cluster_group_runs_fewer_nodes():
    hp = cluster()
    values = {(hp.arn, "ctl", "CPUUtilization"): [50.0], (hp.arn, "gpu", "GPUUtilization"): [10.0, 12.0]}
    recs = run([hourly(hp, 10.0)], values)
    (over,) = kinds(recs, "overprovisioned-hyperpod")
    # 4 nodes at 12 % peak: ceil(4 x 12 / 60) = 1 node; 3 x 7.0 x 730
    assert over.details == {"group": "gpu", "instance_count": 1, "peak_pct": 12.0}
    assert over.monthly_savings_usd == pytest.approx(15330)
    assert kinds(recs, "hyperpod-schedule") and not kinds(recs, "idle-hyperpod")


def test_cluster_with_partial_utilisation_data_is_not_idle():
    hp = cluster()
    recs = run([hourly(hp, 10.0)], {(hp.arn, "gpu", "GPUUtilization"): [1.0]})  # the controller has no data
    assert sorted(r.kind for r in recs) == ["hyperpod-schedule", "overprovisioned-hyperpod"]
    assert run([hourly(hp, 10.0)], {(hp.arn, "ctl", "CPUUtilization"): [1.0]})[0].kind == "hyperpod-schedule"


@pytest.mark.parametrize("days, start, end, off", [
    (("Mon", "Tue", "Wed", "Thu", "Fri"), "08:00", "20:00", 108 / 168),
    (("Mon", "Tue", "Wed", "Thu", "Fri"), "20:00", "08:00", 108 / 168),  # overnight: 12 h a day too
    (DAYS_ALL, "08:00", "20:00", 0.5),
    (("Sat",), "00:00", "23:30", 1 - 23.5 / 168),
])
def test_off_fraction(days, start, end, off):
    assert off_fraction(days, start, end) == pytest.approx(off)


def test_off_fraction_rejects_unknown_days():
    with pytest.raises(ValueError):
        off_fraction(("Funday",))


# --- managed spot ------------------------------------------------------------------------------------------


def training(name, itype="ml.m5.xlarge", count=1, spot=False, billable=None, run_s=None, checkpoint=False,
             parent=None, ended=None):
    ended = ended or AS_OF - dt.timedelta(days=3)
    return rec("training-job", name, state="Completed", spot=spot, billable_seconds=billable, run_seconds=run_s,
               capacity=(Capacity("", itype, count),), started=ended - dt.timedelta(hours=1), ended=ended,
               parent_arn=parent, attrs={"checkpointing": checkpoint})


def test_managed_spot_uses_the_accounts_observed_ratio_for_the_instance_type():
    spot_a = training("a-2026-12-01-00-00-00-000", spot=True, billable=60, run_s=100, checkpoint=True)
    spot_b = training("b-2026-12-02-00-00-00-000", count=2, spot=True, billable=30, run_s=100, checkpoint=True)
    on_demand = training("train-2026-12-03-00-00-00-000")
    recs = run([job_line(spot_a, 4.0, spot_pct=40.0), job_line(spot_b, 3.0, spot_pct=70.0), job_line(on_demand, 10.0)])
    (spot,) = kinds(recs, "managed-spot")
    # 1 - (60 x 1 + 30 x 2) / (100 x 1 + 100 x 2) = 0.6, weighted by instance-seconds
    assert spot.details["savings_ratio"] == 0.6 and spot.details["ratio_source"] == "this account's spot jobs"
    assert spot.monthly_savings_usd == pytest.approx(6.0)
    assert "checkpointing" in spot.reason  # the on-demand job has none configured
    achieved = kinds(recs, "spot-achieved")
    assert sorted(r.details["spot_savings_pct"] for r in achieved) == [40.0, 70.0]
    assert all(r.monthly_savings_usd == 0.0 and "checkpointing" not in r.reason for r in achieved)


def test_managed_spot_default_ratio_and_recurring_runs_are_one_recommendation():
    first = training("churn-xgb-2026-12-01-00-00-00-000", "ml.m5.xlarge", ended=AS_OF - dt.timedelta(days=9))
    second = training("churn-xgb-2026-12-08-00-00-00-001", "ml.m5.xlarge", checkpoint=True,
                      ended=AS_OF - dt.timedelta(days=2))
    (spot,) = run([job_line(first, 10.0), job_line(second, 20.0)])
    assert spot.kind == "managed-spot" and spot.arn == second.arn  # the latest run
    assert spot.details["ratio_source"] == "the documented default" and spot.details["jobs"] == 2
    assert spot.monthly_savings_usd == pytest.approx((10 + 20) * 0.30)
    assert "2 runs of churn-xgb" in spot.reason


def test_managed_spot_unpriced_is_unknown_and_automl_or_last_month_jobs_are_skipped():
    (unknown,) = run([job_line(training("x"), priced=False)])
    assert unknown.monthly_savings_usd is None
    automl = training("auto-tr-001", parent=f"{ARN}automl-job/auto")
    old = training("old")
    assert run([job_line(automl), job_line(old, in_totals=False)]) == []


def test_spot_without_a_reported_saving_is_not_reported():
    assert run([job_line(training("s", spot=True), spot_pct=None)]) == []


# --- over-provisioned jobs ---------------------------------------------------------------------------------


def processing(name, ended, itype="ml.m5.4xlarge", count=1):
    return rec("processing-job", name, state="Completed", capacity=(Capacity("", itype, count),),
               started=ended - dt.timedelta(minutes=30), ended=ended)


def test_overprovisioned_job_applies_the_smaller_type_to_the_familys_monthly_cost():
    first = processing("prep-2026-12-02-00-00-00-000", AS_OF - dt.timedelta(days=13))
    second = processing("prep-2026-12-09-00-00-00-001", AS_OF - dt.timedelta(days=6))
    values = {(first.arn, f"{first.name}/algo-1", "CPUUtilization"): [80.0],  # 80 % over 16 vCPUs = 5 %
              (first.arn, f"{first.name}/algo-1", "MemoryUtilization"): [10.0],
              (second.arn, f"{second.name}/algo-1", "CPUUtilization"): [64.0],
              (second.arn, f"{second.name}/algo-1", "MemoryUtilization"): [8.0]}
    (over,) = run([job_line(first, 4.0), job_line(second, 6.0)], values)
    # m5.large: CPU 5 x 8 = 40 %, memory 80 % (too high); m5.xlarge: 20 %, 40 %: fits, at 0.2 of 0.8 an hour
    assert over.kind == "overprovisioned-job" and over.arn == second.arn
    assert over.details["suggested"]["instance_type"] == "ml.m5.xlarge"
    assert over.monthly_savings_usd == pytest.approx((4 + 6) * (1 - 0.2 / 0.8))
    assert over.details["family"] == "prep" and over.details["jobs"] == 2


def test_one_busy_run_keeps_the_family_as_it_is():
    first = processing("prep-1", AS_OF - dt.timedelta(days=3))
    second = processing("prep-2", AS_OF - dt.timedelta(days=2))
    values = {(first.arn, "prep-1/algo-1", "CPUUtilization"): [16.0],
              (second.arn, "prep-2/algo-1", "CPUUtilization"): [800.0]}  # 50 %
    assert run([job_line(first), job_line(second)], values) == []


def test_jobs_without_utilisation_data_get_nothing_and_runs_without_data_do_not_veto():
    first = processing("etl-1", AS_OF - dt.timedelta(days=3))
    second = processing("etl-2", AS_OF - dt.timedelta(days=2))
    assert run([job_line(first), job_line(second)]) == []
    values = {(second.arn, "etl-2/algo-1", "CPUUtilization"): [16.0],
              (second.arn, "etl-2/algo-1", "MemoryUtilization"): [10.0]}
    (over,) = run([job_line(first, 2.0), job_line(second, 2.0)], values)
    assert over.details["jobs_with_data"] == 1 and over.monthly_savings_usd == pytest.approx(4 * 0.75)


def test_a_smaller_type_needs_memory_data():
    job = processing("etl-1", AS_OF - dt.timedelta(days=3))
    assert run([job_line(job)], {(job.arn, "etl-1/algo-1", "CPUUtilization"): [16.0]}) == []


def test_transform_job_peaks_come_from_its_search_series():
    job = rec("transform-job", "score-1", state="Completed", capacity=(Capacity("", "ml.m5.xlarge", 2),),
              started=AS_OF - dt.timedelta(days=1, hours=1), ended=AS_OF - dt.timedelta(days=1))
    values = {(job.arn, ALL_HOSTS, "CPUUtilization"): [10.0, 12.0], (job.arn, ALL_HOSTS, "MemoryUtilization"): [5.0]}
    (over,) = run([job_line(job, 3.0)], values)
    assert "unknown" in over.reason and over.monthly_savings_usd is None  # no transform prices in the book


# --- ordering, output and names ----------------------------------------------------------------------------


def test_recommendations_are_sorted_by_dollars_with_unknown_last():
    big, small, unpriced = endpoint("big"), endpoint("small"), endpoint("unpriced")
    values = {(e.arn, "AllTraffic", "Invocations"): [0] for e in (big, small, unpriced)}
    recs = run([hourly(small, 0.1), hourly(unpriced, priced=False), hourly(big, 2.0)], values)
    assert [r.arn for r in recs] == [big.arn, small.arn, unpriced.arn]


def test_to_dict_has_the_report_fields():
    r = Recommendation("idle-endpoint", "arn:aws:sagemaker:x", 12.3456, "why", {"a": 1})
    assert r.to_dict() == {"kind": "idle-endpoint", "arn": "arn:aws:sagemaker:x", "monthly_savings_usd": 12.35,
                           "reason": "why", "details": {"a": 1}}
    json.dumps(r.to_dict())


def test_recommend_without_metrics():
    assert recommend([hourly(cluster(), 1.0)], None, BOOK, AS_OF)[0].kind == "hyperpod-schedule"


@pytest.mark.parametrize("name, family", [
    ("churn-xgb-2026-12-03-10-21-09-003", "churn-xgb"),
    ("churn-xgb-monthly-202612", "churn-xgb-monthly"),
    ("hpo-churn-xgb-261215-001-3a1f07c3", "hpo-churn-xgb"),
    ("llm-sft-1215", "llm-sft"),
    ("pipelines-a1b2c3d4e5f6-Preprocess-x7Yz9QwErT", "pipeline step Preprocess"),
    ("plain", "plain"),
    ("2026", "2026"),
])
def test_job_family(name, family):
    assert job_family(name) == family


# --- thresholds --------------------------------------------------------------------------------------------


def test_thresholds_defaults_are_documented_values():
    t = Thresholds()
    assert (t.lookback_days, t.overprovisioned_cpu_pct, t.overprovisioned_gpu_pct, t.overprovisioned_memory_pct,
            t.idle_notebook_days, t.idle_app_days, t.spot_default_savings_pct) == (14, 20, 20, 30, 3, 3, 30)
    assert (t.schedule_days, t.schedule_start, t.schedule_end) == (DAYS_ALL[:5], "08:00", "20:00")
    for name, value in t.to_dict().items():
        assert f"{name} = " in thresholds_module.__doc__


def test_thresholds_load_json_and_toml(tmp_path):
    as_json = tmp_path / "t.json"
    as_json.write_text(json.dumps({"overprovisioned_cpu_pct": 15, "schedule_days": ["Mon", "Sat"]}))
    t = thresholds_module.load(as_json)
    assert t.overprovisioned_cpu_pct == 15 and t.schedule_days == ("Mon", "Sat") and t.lookback_days == 14
    as_toml = tmp_path / "t.toml"
    as_toml.write_text('[thresholds]\nlookback_days = 7\nspot_default_savings_pct = 25.5\nschedule_end = "19:00"\n')
    t = thresholds_module.load(as_toml)
    assert (t.lookback_days, t.spot_default_savings_pct, t.schedule_end) == (7, 25.5, "19:00")


@pytest.mark.parametrize("name, text, message", [
    ("bad.json", "{nope", "invalid JSON at line 1"),
    ("bad.toml", "x = = 1", "invalid TOML"),
    ("unknown.json", '{"idle_days": 3}', "unknown threshold 'idle_days'"),
    ("negative.json", '{"idle_app_days": -1}', "idle_app_days must be a number of zero or more"),
    ("percent.json", '{"overprovisioned_gpu_pct": 120}', "is a percentage"),
    ("bool.json", '{"idle_app_days": true}', "must be a number"),
    ("lookback.json", '{"lookback_days": 2.5}', "lookback_days must be a whole number"),
    ("days.json", '{"schedule_days": ["Monday"]}', "schedule_days must be"),
    ("clock.json", '{"schedule_start": "8am"}', "24-hour time"),
    ("same.json", '{"schedule_start": "20:00"}', "must differ"),
    ("list.json", "[1, 2]", "expected a table"),
])
def test_bad_thresholds_files_are_one_line_input_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        thresholds_module.load(path)
    assert message in str(caught.value) and "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_missing_thresholds_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        thresholds_module.load(tmp_path / "absent.toml")
