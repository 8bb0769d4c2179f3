"""CloudWatch query building (exact namespaces, dimensions, stats, ids), batching, pagination, and fetching."""
import datetime as dt
import re

import boto3
import pytest
from moto import mock_aws

from sagecheck import metrics
from sagecheck.metrics import ALL_HOSTS, MetricQuery, MetricSeries, batches, fetch, fetch_all, queries_for
from sagecheck.records import Capacity, ResourceRecord
from sagecheck.session import read_only_clients

UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 12, 15, 12, 30, tzinfo=UTC)
REGION = "eu-west-1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:"


def record(rtype, name, **fields):
    fields.setdefault("state", "InService")
    return ResourceRecord(type=rtype, name=name, arn=f"{ARN}{rtype}/{name}", region=REGION, account="123456789012",
                          **fields)


def endpoint(name="ep", state="InService", variants=None):
    variants = variants or (
        Capacity("gpu", "ml.g5.12xlarge", 2),
        Capacity("cpu", "ml.m5.xlarge", 1),
        Capacity("sls", None, 0, serverless=True),
    )
    return record("endpoint", name, state=state, capacity=variants, created=AS_OF - dt.timedelta(days=60))


def job(rtype, name, itype="ml.m5.xlarge", count=1, started=None, ended=None, state="Completed", capacity=None):
    started = started or AS_OF - dt.timedelta(days=2, minutes=40)
    ended = ended if ended is not None else started + dt.timedelta(minutes=35)
    capacity = capacity or (Capacity("", itype, count),)
    return record(rtype, name, state=state, started=started, ended=ended if state != "InProgress" else None,
                  capacity=capacity)


def by(queries, **match):
    return [q for q in queries if all(getattr(q, k) == v for k, v in match.items())]


# --- endpoints and inference components --------------------------------------------------------------------


def test_invocations_one_query_per_variant_in_aws_sagemaker_with_endpoint_and_variant_dimensions():
    queries = queries_for([endpoint()], AS_OF)
    invocations = by(queries, metric="Invocations")
    assert [q.key for q in invocations] == ["gpu", "cpu", "sls"]
    for q in invocations:
        assert q.namespace == "AWS/SageMaker" and q.stat == "Sum" and q.expression is None
        assert q.dimensions == (("EndpointName", "ep"), ("VariantName", q.key))
    api = invocations[0].to_api()
    assert api["MetricStat"] == {
        "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations",
                   "Dimensions": [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": "gpu"}]},
        "Period": 3600,
        "Stat": "Sum",
    }


def test_instance_metrics_in_the_endpoints_namespace_with_maximum_and_gpu_series_only_where_gpus_exist():
    queries = [q for q in queries_for([endpoint()], AS_OF) if q.metric != "Invocations"]
    assert {q.namespace for q in queries} == {"/aws/sagemaker/Endpoints"}
    assert {q.stat for q in queries} == {"Maximum"}
    assert sorted(q.metric for q in by(queries, key="gpu")) == sorted(
        ["CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"])
    assert sorted(q.metric for q in by(queries, key="cpu")) == ["CPUUtilization", "MemoryUtilization"]
    assert by(queries, key="sls") == []  # serverless variants have no instances
    assert all(q.dimensions == (("EndpointName", "ep"), ("VariantName", q.key)) for q in queries)


def test_endpoint_window_is_the_lookback_aligned_to_the_period():
    (q, *_) = queries_for([endpoint()], AS_OF, lookback_days=14, period_seconds=3600)
    assert q.start == dt.datetime(2026, 12, 1, 12, tzinfo=UTC) and q.end == AS_OF and q.period == 3600
    (daily, *_) = queries_for([endpoint()], AS_OF, lookback_days=7, period_seconds=86400)
    assert daily.start == dt.datetime(2026, 12, 8, tzinfo=UTC) and daily.period == 86400


def test_endpoints_that_do_not_bill_are_not_queried():
    assert queries_for([endpoint(state="Failed"), endpoint(state="Creating")], AS_OF) == []


def test_inference_components_query_the_normalized_metrics_by_component_name():
    component = record("inference-component", "llama-ic", state="InService")
    queries = queries_for([component, record("inference-component", "gone", state="Failed")], AS_OF)
    assert sorted(q.metric for q in queries) == sorted(
        ["CPUUtilizationNormalized", "GPUUtilizationNormalized", "GPUMemoryUtilizationNormalized",
         "MemoryUtilizationNormalized"])
    for q in queries:
        assert q.namespace == "/aws/sagemaker/InferenceComponents" and q.stat == "Maximum"
        assert q.dimensions == (("InferenceComponentName", "llama-ic"),) and q.key == "llama-ic"


# --- jobs --------------------------------------------------------------------------------------------------


def test_training_jobs_query_one_host_per_instance_over_their_own_run():
    started = dt.datetime(2026, 12, 10, 9, 20, tzinfo=UTC)
    train = job("training-job", "bert-2026-12-10-09-16-00-001", "ml.g5.2xlarge", 2, started=started,
                ended=started + dt.timedelta(minutes=95))
    queries = queries_for([train], AS_OF)
    assert {q.namespace for q in queries} == {"/aws/sagemaker/TrainingJobs"}
    hosts = sorted({q.key for q in queries})
    assert hosts == ["bert-2026-12-10-09-16-00-001/algo-1", "bert-2026-12-10-09-16-00-001/algo-2"]
    assert all(q.dimensions == (("Host", q.key),) and q.stat == "Maximum" for q in queries)
    assert len(queries) == 2 * 4  # two hosts, four metrics on a GPU instance
    assert {(q.start, q.end) for q in queries} == {
        (dt.datetime(2026, 12, 10, 9, tzinfo=UTC), dt.datetime(2026, 12, 10, 11, tzinfo=UTC))}


def test_processing_jobs_use_algo_hosts_in_their_namespace():
    queries = queries_for([job("processing-job", "prep", "ml.m5.xlarge", 3)], AS_OF)
    assert {q.namespace for q in queries} == {"/aws/sagemaker/ProcessingJobs"}
    assert sorted({q.key for q in queries}) == ["prep/algo-1", "prep/algo-2", "prep/algo-3"]
    assert {q.metric for q in queries} == {"CPUUtilization", "MemoryUtilization"}


def test_transform_jobs_find_their_instance_id_hosts_with_a_search_expression():
    queries = queries_for([job("transform-job", "batch-score-2026-12-10-08-00-00-000", "ml.m5.xlarge", 2)], AS_OF)
    assert [q.key for q in queries] == [ALL_HOSTS, ALL_HOSTS]
    cpu = by(queries, metric="CPUUtilization")[0]
    assert cpu.expression == (
        "SEARCH('{\"/aws/sagemaker/TransformJobs\",Host} MetricName=\"CPUUtilization\" "
        "Host=batch-score-2026-12-10-08-00-00-000', 'Maximum', 3600)")
    assert cpu.to_api() == {"Id": cpu.id, "Expression": cpu.expression, "ReturnData": True}


def test_running_jobs_end_at_as_of_and_old_or_unknown_jobs_are_skipped():
    running = job("training-job", "live", started=AS_OF - dt.timedelta(hours=3), state="InProgress")
    last_year = job("training-job", "old", started=AS_OF - dt.timedelta(days=400))
    not_started = record("training-job", "queued", state="InProgress", capacity=(Capacity("", "ml.m5.xlarge", 1),))
    hetero = job("training-job", "hetero",
                 capacity=(Capacity("a", "ml.m5.xlarge", 1), Capacity("b", "ml.p3.2xlarge", 1)))
    queries = queries_for([running, last_year, not_started, hetero], AS_OF)
    assert {q.arn.rsplit("/", 1)[1] for q in queries} == {"live"}
    assert {q.end for q in queries} == {AS_OF}


def test_a_job_that_ended_earlier_this_month_beyond_the_lookback_is_still_queried():
    early = job("training-job", "monthly", started=dt.datetime(2026, 12, 1, 1, tzinfo=UTC))
    assert queries_for([early], AS_OF, lookback_days=3)


# --- ids and batching --------------------------------------------------------------------------------------


def test_ids_are_valid_unique_and_stable_whatever_the_order():
    records = [endpoint("a"), endpoint("b"), job("training-job", "t", count=2), job("transform-job", "x")]
    first = queries_for(records, AS_OF)
    again = queries_for(list(reversed(records)), AS_OF)
    assert all(re.match(r"^[a-z][a-zA-Z0-9_]*$", q.id) for q in first)
    assert len({q.id for q in first}) == len(first)
    assert {q.id: (q.arn, q.key, q.metric) for q in first} == {q.id: (q.arn, q.key, q.metric) for q in again}


def test_batches_hold_at_most_500_queries():
    queries = queries_for([endpoint(f"ep{i}") for i in range(100)], AS_OF)  # 9 queries each
    assert len(queries) == 900
    assert [len(b) for b in batches(queries)] == [500, 400]
    assert [len(b) for b in batches(queries[:1001 - 900] * 11)] == [500, 500, 111]
    assert batches([]) == []
    with pytest.raises(ValueError):
        batches(queries, size=501)


def test_period_must_be_whole_minutes():
    with pytest.raises(ValueError):
        queries_for([endpoint()], AS_OF, period_seconds=90)


# --- instance facts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("itype, gpu_count, cpu_count", [
    ("ml.g5.12xlarge", 4, 48), ("ml.g5.xlarge", 1, 4), ("ml.g5.48xlarge", 8, 192), ("ml.g4dn.12xlarge", 4, 48),
    ("ml.p3.2xlarge", 1, 8), ("ml.p3.16xlarge", 8, 64), ("ml.p4d.24xlarge", 8, 96), ("ml.p5.48xlarge", 8, 192),
    ("ml.m5.xlarge", 0, 4), ("ml.m5.large", 0, 2), ("ml.t3.medium", 0, 2), ("ml.c4.8xlarge", 0, 36),
    ("ml.p5e.48xlarge", None, 192), ("ml.inf2.xlarge", None, 4), (None, None, None), ("mlflow.Small", None, None),
])
def test_gpu_and_vcpu_counts(itype, gpu_count, cpu_count):
    assert metrics.gpus(itype) == gpu_count and metrics.vcpus(itype) == cpu_count


def test_cpu_and_gpu_metrics_are_normalised_by_their_counts():
    assert metrics.normalised("GPUUtilization", 400, "ml.g5.12xlarge") == 100
    assert metrics.normalised("GPUMemoryUtilization", 60, "ml.g5.12xlarge") == 15
    assert metrics.normalised("CPUUtilization", 200, "ml.m5.xlarge") == 50
    assert metrics.normalised("MemoryUtilization", 42, "ml.m5.xlarge") == 42
    assert metrics.normalised("GPUUtilization", 50, "ml.p5e.48xlarge") is None  # unknown count: cannot judge
    assert metrics.normalised("CPUUtilization", None, "ml.m5.xlarge") is None


# --- fetching: pagination and no data ----------------------------------------------------------------------


class FakeCloudWatch:
    """Answers GetMetricData from a script of pages, recording each request."""

    def __init__(self, pages):
        self.pages, self.requests = list(pages), []

    def get_metric_data(self, **params):
        self.requests.append(params)
        return self.pages.pop(0)(params)


class FakeClients:
    def __init__(self, cloudwatch):
        self.cloudwatch, self.asked = cloudwatch, []

    def client(self, service, region=None):
        self.asked.append((service, region))
        return self.cloudwatch


def test_fetch_sends_one_call_per_batch_and_follows_next_token():
    queries = queries_for([endpoint(f"ep{i}") for i in range(60)], AS_OF)  # 540 queries: two batches
    first_id, last_id = queries[0].id, queries[-1].id

    def first_page(params):
        assert len(params["MetricDataQueries"]) == 500 and "NextToken" not in params
        return {"MetricDataResults": [{"Id": first_id, "Values": [3.0], "StatusCode": "PartialData"}],
                "NextToken": "page-2"}

    def second_page(params):
        assert params["NextToken"] == "page-2" and len(params["MetricDataQueries"]) == 500
        return {"MetricDataResults": [{"Id": first_id, "Values": [4.0, float("nan")], "StatusCode": "Complete"}]}

    def third_page(params):
        assert len(params["MetricDataQueries"]) == 40 and "NextToken" not in params
        return {"MetricDataResults": [{"Id": last_id, "Values": [], "StatusCode": "Complete"}]}

    cloudwatch = FakeCloudWatch([first_page, second_page, third_page])
    clients = FakeClients(cloudwatch)
    series = fetch(clients, REGION, queries, AS_OF - dt.timedelta(days=14), AS_OF)
    assert clients.asked == [("cloudwatch", REGION)] and len(cloudwatch.requests) == 3
    assert series.values(queries[0].arn, queries[0].key, queries[0].metric) == [3.0, 4.0]
    last = queries[-1]
    assert series.values(last.arn, last.key, last.metric) is None  # answered, no datapoints: no data, not 0
    assert (last.arn, last.key, last.metric) in series.answered
    assert series.total(last.arn, last.key, last.metric) is None


def test_forbidden_or_failed_results_stay_unknown():
    queries = queries_for([endpoint()], AS_OF)
    page = {"MetricDataResults": [{"Id": queries[0].id, "Values": [1.0], "StatusCode": "Forbidden"},
                                  {"Id": queries[1].id, "Values": [], "StatusCode": "InternalError"}]}
    series = fetch(FakeClients(FakeCloudWatch([lambda p: page])), REGION, queries, AS_OF - dt.timedelta(days=1), AS_OF)
    assert series.answered == set() and series.data == {}


def test_series_accessors():
    series = MetricSeries.from_values({
        ("a", "algo-1", "CPUUtilization"): [10, 30], ("a", "algo-2", "CPUUtilization"): [50],
        ("a", "v", "Invocations"): [], ("b", "v", "Invocations"): [0, 0],
    })
    assert series.peak("a", "CPUUtilization") == 50 and series.peak("a", "CPUUtilization", "algo-1") == 30
    assert series.total("a", "v", "Invocations") is None and series.total("b", "v", "Invocations") == 0
    assert series.has_data("a", "algo-2") and not series.has_data("a", "v") and not series.has_data("c")
    assert series.peak("c", "CPUUtilization") is None


# --- through moto: the real client plumbing ----------------------------------------------------------------


@pytest.fixture
def moto_session(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def put(namespace, metric, dims, values, start):
    writer = boto3.Session(region_name=REGION).client("cloudwatch")  # a plain client, outside the read-only guard
    writer.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": metric, "Dimensions": [{"Name": n, "Value": v} for n, v in dims], "Value": value,
         "Timestamp": start + dt.timedelta(hours=i), "Unit": "None"}
        for i, value in enumerate(values)])


def test_fetch_through_moto_maps_datapoints_back_and_no_data_is_none(moto_session):
    busy = endpoint("busy", variants=(Capacity("AllTraffic", "ml.m5.xlarge", 1),))
    quiet = endpoint("quiet", variants=(Capacity("AllTraffic", "ml.m5.xlarge", 1),))
    train = job("training-job", "train-a", count=2, started=AS_OF - dt.timedelta(days=12))
    start = AS_OF - dt.timedelta(days=3)
    busy_dims = [("EndpointName", "busy"), ("VariantName", "AllTraffic")]
    put("AWS/SageMaker", "Invocations", busy_dims, [5, 7, 0], start)
    put("AWS/SageMaker", "Invocations", busy_dims, [1000], AS_OF - dt.timedelta(days=10))  # before the lookback
    put("/aws/sagemaker/Endpoints", "CPUUtilization", busy_dims, [40, 85], start)
    put("/aws/sagemaker/TrainingJobs", "CPUUtilization", [("Host", "train-a/algo-2")], [120], train.started)

    clients = read_only_clients(moto_session)
    queries = queries_for([busy, quiet, train], AS_OF, lookback_days=7)
    series = fetch_all(clients, queries)
    # the endpoints over exactly the lookback, the job over its own run: two calls
    assert clients.calls == {("cloudwatch", "GetMetricData"): 2}
    assert series.errors == []
    assert series.total(busy.arn, "AllTraffic", "Invocations") == 12
    assert series.peak(busy.arn, "CPUUtilization", "AllTraffic") == 85
    assert series.total(quiet.arn, "AllTraffic", "Invocations") is None  # no datapoints: no data, never zero
    assert series.peak(quiet.arn, "CPUUtilization") is None
    assert (quiet.arn, "AllTraffic", "Invocations") in series.answered
    assert series.peak(train.arn, "CPUUtilization") == 120
    assert series.peak(train.arn, "CPUUtilization", "train-a/algo-1") is None


def test_fetch_all_notes_an_aws_error_and_leaves_that_region_unknown(moto_session):
    from botocore.exceptions import ClientError

    class Denied:
        def get_metric_data(self, **_):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetMetricData")

    series = fetch_all(FakeClients(Denied()), queries_for([endpoint()], AS_OF))
    assert series.data == {} and series.answered == set()
    assert series.errors == ["cloudwatch:GetMetricData in eu-west-1: AccessDenied; utilisation unknown there"]


def test_metric_query_is_hashable_and_ids_come_from_the_query():
    q = queries_for([endpoint()], AS_OF)[0]
    assert isinstance(q, MetricQuery) and q.to_api()["Id"] == q.id and hash(q)
