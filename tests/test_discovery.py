"""Discovery: registry-driven, permission-aware, read-only, and robust to faults in one type."""
import datetime as dt

import boto3
import pytest
from moto import mock_aws

from sagecheck.demo.fakes import FakeAws, FakeError, FaultPlan
from sagecheck.discovery import discover, link
from sagecheck.records import Origin
from sagecheck.registry import BY_NAME
from sagecheck.session import OperationNotAllowed, read_only_clients

ROLE = "arn:aws:iam::123456789012:role/x"
ACCOUNT = "123456789012"
SMALL = [BY_NAME[n] for n in ("endpoint", "endpoint-config", "notebook-instance", "training-job", "hyperpod-cluster",
                              "studio-app")]
NOW = dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc)


def _apps(params):
    return {"Apps": [
        {"DomainId": "d-1", "UserProfileName": "alice", "AppType": "JupyterLab", "AppName": "default",
         "Status": "InService", "CreationTime": NOW, "ResourceSpec": {"InstanceType": "ml.g4dn.xlarge"}},
    ]}


def _describe_app(params):
    return {"DomainId": params["DomainId"], "UserProfileName": "alice", "AppType": params["AppType"],
            "AppName": params["AppName"], "Status": "InService", "CreationTime": NOW,
            "AppArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:app/d-1/alice/jupyterlab/default",
            "LastUserActivityTimestamp": NOW - dt.timedelta(days=10),
            "ResourceSpec": {"InstanceType": "ml.g4dn.xlarge"}}


@pytest.fixture
def account():
    fake = FakeAws()
    fake.on("sagemaker", "ListApps", _apps)
    fake.on("sagemaker", "DescribeApp", _describe_app)
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
        fake.install(session)
        sm = session.client("sagemaker")
        sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
        sm.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[
            {"VariantName": "v1", "ModelName": "m", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 2}])
        sm.create_endpoint(EndpointName="e1", EndpointConfigName="c1")
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
        for i in range(3):
            sm.create_training_job(
                TrainingJobName=f"tj-{i}", RoleArn=ROLE,
                AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
                OutputDataConfig={"S3OutputPath": "s3://b/o"},
                ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
                StoppingCondition={"MaxRuntimeInSeconds": 3600})
        fake.calls.clear()
        yield session, fake


def names(result, type_name):
    return sorted(r.name for r in result.records if r.type == type_name)


def test_discovers_each_type_with_its_fields(account):
    session, _ = account
    result = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=SMALL)
    assert result.errors == [] and result.uncovered == []
    endpoint = next(r for r in result.records if r.type == "endpoint")
    assert endpoint.instance_type == "ml.m5.xlarge" and endpoint.instance_count == 2, "joined from its config"
    app = next(r for r in result.records if r.type == "studio-app")
    assert app.instance_type == "ml.g4dn.xlarge" and app.last_activity == NOW - dt.timedelta(days=10)
    assert app.arn.endswith(":app/d-1/alice/jupyterlab/default")
    assert names(result, "training-job") == ["tj-0", "tj-1", "tj-2"]
    assert {r.account for r in result.records} == {ACCOUNT}


def test_uncovered_type_is_skipped_and_never_called(account):
    session, fake = account
    result = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=SMALL,
                      not_granted=["sagemaker:ListClusters", "sagemaker:DescribeApp"])
    assert [(u.type, u.region) for u in result.uncovered] == [("hyperpod-cluster", None)]
    assert ("sagemaker", "ListClusters") not in fake.calls
    assert ("sagemaker", "DescribeApp") not in fake.calls, "a partial type skips only its missing calls"
    app = next(r for r in result.records if r.type == "studio-app")
    assert app.last_activity is None and app.instance_type == "ml.g4dn.xlarge"


def test_guard_blocks_a_write_before_it_is_sent(account):
    session, fake = account
    clients = read_only_clients(session)
    with pytest.raises(OperationNotAllowed, match="sagemaker:DeleteEndpoint"):
        clients.client("sagemaker", "us-east-1").delete_endpoint(EndpointName="e1")
    assert ("sagemaker", "DeleteEndpoint") not in fake.calls
    unguarded = boto3.Session(region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert unguarded.client("sagemaker").describe_endpoint(EndpointName="e1")["EndpointStatus"] == "InService"


def test_access_denied_makes_only_that_type_uncovered_in_that_region(account):
    session, fake = account
    fake.on("sagemaker", "ListNotebookInstances",
            lambda p: (_ for _ in ()).throw(FakeError("AccessDeniedException", "explicit deny in an SCP", 400)))
    result = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=SMALL)
    assert [(u.type, u.region) for u in result.uncovered] == [("notebook-instance", "us-east-1")]
    assert names(result, "endpoint") == ["e1"] and names(result, "training-job")


def test_a_failing_type_is_isolated(account):
    session, fake = account
    fake.faults.append(FaultPlan(1.0, FakeError("InternalFailure", "boom", 500), operations=("ListNotebookInstances",)))
    result = discover(read_only_clients(session, max_attempts=2), ["us-east-1"], ACCOUNT, types=SMALL)
    assert [e.type for e in result.errors] == ["notebook-instance"]
    assert "InternalFailure" in result.errors[0].error
    assert names(result, "endpoint") == ["e1"]


def test_malformed_record_is_reported_and_the_rest_kept(account):
    session, fake = account
    fake.on("sagemaker", "ListApps", lambda p: {"Apps": [*_apps(p)["Apps"], {"AppType": "JupyterLab", "Status": "InService"}]})
    result = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=[BY_NAME["studio-app"]],
                      not_granted=["sagemaker:DescribeApp"])
    assert names(result, "studio-app") == ["default"]
    assert "1 malformed record(s) skipped" in result.errors[0].error


def test_throttling_30_percent_gives_the_same_records(account, monkeypatch):
    session, fake = account
    clean = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=SMALL)
    monkeypatch.setattr("time.sleep", lambda s: None)  # retries still happen; only their waiting is skipped
    fake.faults.append(FaultPlan(0.3, FakeError("ThrottlingException", "Rate exceeded", 400), seed=3))
    throttled = discover(read_only_clients(session), ["us-east-1"], ACCOUNT, types=SMALL)
    assert fake.faults[0].injected > 0
    assert throttled.errors == [] and throttled.records == clean.records


@pytest.mark.parametrize("type_name", sorted(BY_NAME))
def test_every_mapper_tolerates_missing_and_null_optional_fields(type_name):
    rtype = BY_NAME[type_name]
    raw = {rtype.id_field: "x", rtype.arn_field: "arn:aws:sagemaker:us-east-1:1:x/x", "CreationTime": None,
           "ResourceConfig": None, "ProductionVariants": None, "InstanceGroups": None, "Tags": None}
    record = rtype.record(raw, Origin(type_name, "us-east-1", ACCOUNT))
    assert record.name == raw[rtype.id_field] and record.type == type_name and record.state


def test_link_fills_endpoint_instance_types_from_config():
    from sagecheck.records import Capacity, ResourceRecord

    endpoint = ResourceRecord("endpoint", "e", "arn:e", "r", "a", "InService", capacity=(Capacity("v", None, 3),),
                              attrs={"endpoint_config": "c"})
    config = ResourceRecord("endpoint-config", "c", "arn:c", "r", "a", "active",
                            capacity=(Capacity("v", "ml.g5.xlarge", 1),), attrs={"async": True})
    linked = {r.type: r for r in link([endpoint, config])}
    assert linked["endpoint"].capacity == (Capacity("v", "ml.g5.xlarge", 3),)
    assert linked["endpoint"].attrs["async"] is True


def test_training_jobs_cost_one_search_call_per_hundred():
    from sagecheck.demo.scenario import simulated_account

    n = 5000
    with simulated_account(NOW, regions=("us-east-1",), training_jobs=n) as account:
        clients = read_only_clients(account.new_admin_session())
        result = discover(clients, ["us-east-1"], account.account_id, types=[BY_NAME["training-job"]])
    assert len(result.records) == n
    assert sum(clients.calls.values()) <= n // 100 + 10
    assert set(clients.calls) == {("sagemaker", "Search")}
