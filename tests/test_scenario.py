"""The simulated account serves every registry operation, with the facts the cost rules and checks need."""
from __future__ import annotations

import datetime as dt
import time

import boto3
import botocore.exceptions
import pytest
from botocore import xform_name

from sagecheck.demo import moto_state
from sagecheck.demo.scenario import TrainingJob, legacy_scanner_policy, simulated_account, training_request
from sagecheck.registry import BY_NAME, RESOURCE_TYPES, Search
from sagecheck.session import read_only_clients

AS_OF = dt.datetime(2025, 5, 20, 12, 0, tzinfo=dt.timezone.utc)
PERIOD_START = dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)
UTC = dt.timezone.utc


def _pages(client, operation: str, result_key: str, **params) -> list[dict]:
    method = xform_name(operation)
    if client.can_paginate(method):
        return [item for page in client.get_paginator(method).paginate(**params) for item in page.get(result_key, [])]
    return client.__getattribute__(method)(**params).get(result_key, [])


def _enumerate(client, rtype) -> list[dict]:
    if isinstance(rtype.enumerate, Search):
        resource = rtype.enumerate.resource
        return [r[resource] for r in _pages(client, "Search", "Results", Resource=resource, MaxResults=100)]
    return _pages(client, rtype.enumerate.operation, rtype.enumerate.result_key, **dict(rtype.enumerate.params))


def _call(client, call, item: dict) -> object:
    params = {api: item[field] for api, field in call.params if field in item}
    if call.result_key:
        return _pages(client, call.operation, call.result_key, **params)
    response = getattr(client, xform_name(call.operation))(**params)
    response.pop("ResponseMetadata", None)
    return response


def _read_type(clients, rtype, region: str) -> list[dict]:
    client = clients.client("sagemaker", region)
    items = []
    for summary in _enumerate(client, rtype):
        item = {"summary": summary}
        if rtype.describe:
            item["describe"] = _call(client, rtype.describe, summary)
        for extra in rtype.extras:
            item[extra.operation] = _call(client, extra, summary)
        items.append(item)
    return items


def _by_name(discovered, type_name: str) -> dict[str, dict]:
    id_field = BY_NAME[type_name].id_field
    return {item["summary"][id_field]: item for item in discovered[type_name]}


def _training_jobs(discovered) -> dict[str, dict]:
    return {name: item["summary"] for name, item in _by_name(discovered, "training-job").items()}


@pytest.fixture(scope="class")
def account():
    started = time.perf_counter()
    with simulated_account(AS_OF) as acct:
        print(f"\nsimulated account built in {time.perf_counter() - started:.2f}s")
        yield acct


@pytest.fixture(scope="class")
def clients(account):
    return read_only_clients(account.admin_session)


@pytest.fixture(scope="class")
def discovered(account, clients):
    """Every registry type read as discovery would: enumerate, then describe and extras per item."""
    return {rtype.name: _read_type(clients, rtype, account.regions[0]) for rtype in RESOURCE_TYPES}


@pytest.fixture(scope="class")
def unguarded(account):
    """An admin session without the read-only guard, for the calls a test makes beyond the catalog."""
    return account.new_admin_session()


class TestSeededAccount:
    """One account, built once, read by every test in the class."""

    # --- building and identity ----------------------------------------------------------------------------------

    def test_account_builds_with_its_parameters(self, account):
        print(f"\nbuild took {account.seconds_to_build:.2f}s")
        assert account.account_id == "123456789012"
        assert account.regions == ("us-east-1",)
        assert account.as_of == AS_OF
        assert account.scanner_role_arn == "arn:aws:iam::123456789012:role/ops/sagecheck-scanner"
        assert account.session.region_name == "us-east-1"
        assert set(account.seeded) == {t.name for t in RESOURCE_TYPES}
        assert all(account.seeded.values())

    def test_scanner_session_is_the_assumed_scanner_role(self, account):
        arn = account.session.client("sts").get_caller_identity()["Arn"]
        assert arn.startswith("arn:aws:sts::123456789012:assumed-role/sagecheck-scanner/")
        admin = account.admin_session.client("sts").get_caller_identity()["Arn"]
        assert admin == "arn:aws:iam::123456789012:user/demo-admin"

    def test_scanner_role_carries_the_legacy_policy_and_lacks_the_newer_reads(self, account):
        iam = account.admin_session.client("iam")
        role = iam.get_role(RoleName="sagecheck-scanner")["Role"]
        assert role["Path"] == "/ops/"
        names = iam.list_role_policies(RoleName="sagecheck-scanner")["PolicyNames"]
        document = iam.get_role_policy(RoleName="sagecheck-scanner", PolicyName=names[0])["PolicyDocument"]
        assert document == legacy_scanner_policy()
        actions = {a for s in document["Statement"] for a in s["Action"]}
        assert "sagemaker:Search" not in actions and "sagemaker:ListClusters" not in actions

    # --- every registry type ------------------------------------------------------------------------------------


    @pytest.mark.parametrize("rtype", RESOURCE_TYPES, ids=lambda t: t.name)
    def test_every_registry_type_returns_exactly_what_was_seeded(self, account, discovered, rtype):
        found = [item["summary"][rtype.id_field] for item in discovered[rtype.name]]
        assert set(found) == account.seeded[rtype.name]
        for item in discovered[rtype.name]:
            if rtype.describe:
                assert item["describe"], f"{rtype.describe.operation} returned nothing"

    def test_faked_summaries_name_their_arns(self, discovered):
        for type_name in ("inference-component", "labeling-job", "mlflow-tracking-server", "monitoring-schedule",
                          "training-plan", "optimization-job", "inference-recommendations-job", "edge-packaging-job",
                          "notebook-lifecycle-config"):
            rtype = BY_NAME[type_name]
            for item in discovered[type_name]:
                assert item["summary"][rtype.arn_field].startswith("arn:aws:sagemaker:us-east-1:123456789012:")

    # --- training jobs ------------------------------------------------------------------------------------------

    def test_finished_training_jobs_have_real_durations_and_billable_time(self, discovered):
        jobs = _training_jobs(discovered)
        finished = [j for j in jobs.values() if j["TrainingJobStatus"] != "InProgress"]
        assert len([j for j in finished if j["TrainingEndTime"] >= PERIOD_START]) >= 28
        for job in finished:
            assert job["TrainingStartTime"] < job["TrainingEndTime"] <= AS_OF
            assert job["CreationTime"] < job["TrainingStartTime"]
            assert job["TrainingTimeInSeconds"] == (job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds()
            assert 0 < job["BillableTimeInSeconds"] <= job["TrainingTimeInSeconds"]

    def test_spot_jobs_bill_less_than_they_ran_and_some_checkpoint(self, discovered):
        spot = [j for j in _training_jobs(discovered).values() if j["EnableManagedSpotTraining"]]
        assert len(spot) >= 8
        for job in spot:
            assert job["BillableTimeInSeconds"] < job["TrainingTimeInSeconds"]
            assert job["StoppingCondition"]["MaxWaitTimeInSeconds"] >= job["StoppingCondition"]["MaxRuntimeInSeconds"]
        assert {("CheckpointConfig" in j) for j in spot} == {True, False}
        fraud = [j for j in spot if j["TrainingJobName"].startswith("fraud-xgb-") and j["TrainingTimeInSeconds"] == 5400]
        assert fraud and fraud[0]["BillableTimeInSeconds"] == 3240  # 40 % saved

    def test_special_training_jobs(self, discovered):
        jobs = _training_jobs(discovered)

        def one(prefix):
            (job,) = [j for name, j in jobs.items() if name.startswith(prefix)]
            return job

        warm = one("churn-xgb-warm-")
        end = PERIOD_START + (AS_OF - PERIOD_START) * 0.5
        assert warm["TrainingEndTime"] == end and warm["TrainingStartTime"] == end - dt.timedelta(minutes=30)
        assert warm["WarmPoolStatus"] == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 1800}
        assert warm["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800

        hetero = one("multimodal-hetero-")
        groups = hetero["ResourceConfig"]["InstanceGroups"]
        assert [(g["InstanceType"], g["InstanceCount"]) for g in groups] == [("ml.m5.xlarge", 2), ("ml.p3.2xlarge", 1)]
        assert "InstanceType" not in hetero["ResourceConfig"]

        running = one("llm-sft-")
        assert running["TrainingJobStatus"] == "InProgress"
        assert running["TrainingStartTime"] == AS_OF - dt.timedelta(hours=5)
        assert not {"TrainingEndTime", "BillableTimeInSeconds", "TrainingTimeInSeconds"} & set(running)

        assert one("llm-eval-p5e-")["ResourceConfig"]["InstanceType"] == "ml.p5e.48xlarge"
        assert one("bert-finetune-oom-")["TrainingJobStatus"] == "Failed"
        previous = one("churn-xgb-monthly-")
        assert previous["TrainingEndTime"] == PERIOD_START - dt.timedelta(days=2)

    def test_training_jobs_link_to_their_parents(self, discovered):
        jobs = _training_jobs(discovered).values()
        (tuning,) = discovered["hyperparameter-tuning-job"]
        (automl,) = discovered["automl-job"]
        (labeling,) = discovered["labeling-job"]
        assert sum(j.get("TuningJobArn") == tuning["summary"]["HyperParameterTuningJobArn"] for j in jobs) == 3
        assert sum(j.get("AutoMLJobArn") == automl["summary"]["AutoMLJobArn"] for j in jobs) == 2
        assert sum(j.get("LabelingJobArn") == labeling["summary"]["LabelingJobArn"] for j in jobs) == 1
        assert tuning["summary"]["HyperParameterTuningJobStatus"] == "Completed"
        assert automl["summary"]["AutoMLJobStatus"] == "Completed"

    def test_training_job_security_settings_vary(self, discovered):
        jobs = list(_training_jobs(discovered).values())
        for key in ("EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"):
            assert {j[key] for j in jobs} == {True, False}
        assert {("VpcConfig" in j) for j in jobs} == {True, False}
        assert {("KmsKeyId" in j["OutputDataConfig"]) for j in jobs} == {True, False}

    def test_search_records_equal_describe(self, unguarded, discovered):
        """Search (faked over moto's objects) returns every field DescribeTrainingJob (moto) reports, equal."""
        client = unguarded.client("sagemaker")
        for name, record in _training_jobs(discovered).items():
            described = client.describe_training_job(TrainingJobName=name)
            described.pop("ResponseMetadata")
            assert {k: v for k, v in record.items() if k != "Tags"} == described

    def test_search_pages_sorts_and_filters_like_aws(self, account):
        client = account.admin_session.client("sagemaker")
        first = client.search(Resource="TrainingJob")
        assert len(first["Results"]) == 10 and first["NextToken"]  # AWS's default page size
        assert first["TotalHits"]["Value"] == len(account.seeded["training-job"])
        times = [r["TrainingJob"]["LastModifiedTime"] for r in first["Results"]]
        assert times == sorted(times, reverse=True)
        ended_this_month = client.search(
            Resource="TrainingJob",
            MaxResults=100,
            SearchExpression={
                "Filters": [
                    {"Name": "TrainingEndTime", "Operator": "GreaterThanOrEqualTo", "Value": PERIOD_START.isoformat()},
                    {"Name": "EnableManagedSpotTraining", "Operator": "Equals", "Value": "true"},
                ]
            },
        )["Results"]
        assert ended_this_month and all(
            r["TrainingJob"]["EnableManagedSpotTraining"] and r["TrainingJob"]["TrainingEndTime"] >= PERIOD_START
            for r in ended_this_month
        )
        by_type = client.search(
            Resource="TrainingJob",
            SearchExpression={"Filters": [{"Name": "ResourceConfig.InstanceType", "Operator": "Equals", "Value": "ml.p5e.48xlarge"}]},
        )["Results"]
        assert len(by_type) == 1
        with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
            client.search(Resource="TrainingJob", SearchExpression={"Filters": [{"Name": "NoSuchField", "Value": "x"}]})

    # --- other jobs ---------------------------------------------------------------------------------------------

    def test_processing_and_transform_jobs_have_instances_and_run_times(self, discovered):
        processing = [item["describe"] for item in discovered["processing-job"]]
        for job in processing:
            cluster = job["ProcessingResources"]["ClusterConfig"]
            assert cluster["InstanceType"].startswith("ml.") and cluster["InstanceCount"] >= 1
            if job["ProcessingJobStatus"] == "Completed":
                assert job["ProcessingStartTime"] < job["ProcessingEndTime"] <= AS_OF
        assert [j["ProcessingJobStatus"] for j in processing].count("InProgress") == 1
        schedule = discovered["monitoring-schedule"][0]["summary"]["MonitoringScheduleArn"]
        assert [j.get("MonitoringScheduleArn") for j in processing].count(schedule) == 1
        for item in discovered["transform-job"]:
            job = item["describe"]
            assert job["TransformResources"]["InstanceCount"] >= 1
            assert job["TransformStartTime"] < job["TransformEndTime"] <= AS_OF
            assert "LabelingJobArn" not in job

    def test_compilation_job_ran_for_minutes(self, discovered):
        (job,) = discovered["compilation-job"]
        summary = job["summary"]
        assert dt.timedelta(minutes=1) < summary["CompilationEndTime"] - summary["CompilationStartTime"] < dt.timedelta(hours=1)

    # --- inference ----------------------------------------------------------------------------------------------

    def test_endpoints_and_their_configs(self, discovered):
        endpoints = {name: item["summary"] for name, item in _by_name(discovered, "endpoint").items()}
        configs = {name: item["describe"] for name, item in _by_name(discovered, "endpoint-config").items()}
        expected = {
            "busy-endpoint": ("ml.m5.xlarge", 2),
            "idle-endpoint": ("ml.g4dn.xlarge", 1),
            "oversized-endpoint": ("ml.g5.12xlarge", 4),
            "genai-endpoint": ("ml.g5.12xlarge", 1),
        }
        for name, (instance_type, count) in expected.items():
            endpoint = endpoints[name]
            (variant,) = configs[endpoint["EndpointConfigName"]]["ProductionVariants"]
            assert (variant["InstanceType"], variant["InitialInstanceCount"]) == (instance_type, count)
            assert endpoint["ProductionVariants"][0]["CurrentInstanceCount"] == count
        (serverless,) = configs["serverless-endpoint-config"]["ProductionVariants"]
        assert serverless["ServerlessConfig"]["MemorySizeInMB"] == 2048
        ages = {name: (AS_OF - e["CreationTime"]).days for name, e in endpoints.items()}
        assert ages["genai-endpoint"] == 3 and all(age >= 30 for name, age in ages.items() if name != "genai-endpoint")

    def test_inference_components_sit_on_their_endpoint(self, discovered):
        endpoint_arn = _by_name(discovered, "endpoint")["genai-endpoint"]["summary"]["EndpointArn"]
        components = discovered["inference-component"]
        assert len(components) == 2
        for item in components:
            assert item["summary"]["EndpointArn"] == endpoint_arn
            assert item["describe"]["EndpointName"] == "genai-endpoint"
            assert item["describe"]["Specification"]["ComputeResourceRequirements"]["NumberOfAcceleratorDevicesRequired"] == 2

    def test_invocations_for_busy_endpoints_none_for_idle(self, account):
        cloudwatch = account.admin_session.client("cloudwatch")

        def invocations(endpoint):
            result = cloudwatch.get_metric_data(
                MetricDataQueries=[
                    {
                        "Id": "m",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/SageMaker",
                                "MetricName": "Invocations",
                                "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": "AllTraffic"}],
                            },
                            "Period": 86400,
                            "Stat": "Sum",
                        },
                    }
                ],
                StartTime=AS_OF - dt.timedelta(days=14),
                EndTime=AS_OF,
            )["MetricDataResults"][0]["Values"]
            return sum(result)

        assert invocations("busy-endpoint") > 100_000
        assert invocations("idle-endpoint") == 0

    # --- HyperPod, notebooks, Studio ----------------------------------------------------------------------------

    def test_hyperpod_clusters(self, discovered):
        clusters = _by_name(discovered, "hyperpod-cluster")
        stopped = clusters["hp-stopped"]
        assert stopped["describe"]["ClusterStatus"] == "InService"
        assert all(g["CurrentCount"] == 0 for g in stopped["describe"]["InstanceGroups"])
        assert stopped["ListClusterNodes"] == []
        running = clusters["hp-running"]
        counts = {g["InstanceType"]: g["CurrentCount"] for g in running["describe"]["InstanceGroups"]}
        assert counts == {"ml.m5.xlarge": 1, "ml.p4d.24xlarge": 2}
        assert len(running["ListClusterNodes"]) == 3
        assert {"Key": "sagecheck:schedule", "Value": "weekdays 08:00-20:00 UTC"} in running["ListTags"]

    def test_notebooks_and_lifecycle_config(self, discovered):
        notebooks = {name: item["describe"] for name, item in _by_name(discovered, "notebook-instance").items()}
        alice, bob = notebooks["ds-notebook-alice"], notebooks["ds-notebook-bob"]
        assert (alice["NotebookInstanceStatus"], alice["InstanceType"]) == ("InService", "ml.t3.medium")
        assert (alice["DirectInternetAccess"], alice["RootAccess"]) == ("Enabled", "Enabled")
        assert "NotebookInstanceLifecycleConfigName" not in alice
        assert (bob["NotebookInstanceStatus"], bob["InstanceType"], bob["VolumeSizeInGB"]) == ("Stopped", "ml.m5.xlarge", 50)
        (config,) = discovered["notebook-lifecycle-config"]
        assert bob["NotebookInstanceLifecycleConfigName"] == config["summary"]["NotebookInstanceLifecycleConfigName"]
        import base64

        script = base64.b64decode(config["describe"]["OnStart"][0]["Content"]).decode()
        assert "autostop.py" in script

    def test_studio_apps_spaces_and_profiles(self, discovered):
        apps = [item["describe"] for item in discovered["studio-app"]]
        by_type = {a["AppType"]: a for a in apps if a["Status"] == "InService"}
        lab = by_type["JupyterLab"]
        assert lab["ResourceSpec"]["InstanceType"] == "ml.g4dn.xlarge" and lab["SpaceName"] == "alice-lab"
        assert lab["LastUserActivityTimestamp"] == AS_OF - dt.timedelta(days=10)
        assert by_type["KernelGateway"]["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
        assert by_type["JupyterServer"]["ResourceSpec"]["InstanceType"] == "system"
        assert [a["Status"] for a in apps].count("Deleted") == 1
        spaces = {s["summary"]["SpaceName"]: s["summary"] for s in discovered["space"]}
        sizes = {n: s["SpaceSettingsSummary"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] for n, s in spaces.items()}
        assert sizes == {"alice-lab": 50, "team-code": 100}
        (domain,) = discovered["domain"]
        assert {p["summary"]["DomainId"] for p in discovered["user-profile"]} == {domain["summary"]["DomainId"]}

    def test_mlflow_servers(self, discovered):
        servers = {name: item["describe"] for name, item in _by_name(discovered, "mlflow-tracking-server").items()}
        team = servers["mlflow-team"]
        assert (team["TrackingServerSize"], team["IsActive"], team["TrackingServerStatus"]) == ("Small", "Active", "Created")
        assert servers["mlflow-archive"]["IsActive"] == "Inactive"

    def test_fake_lists_page_with_next_token(self, account):
        client = account.admin_session.client("sagemaker")
        first = client.list_apps(MaxResults=2)
        assert len(first["Apps"]) == 2 and first["NextToken"]
        rest = client.list_apps(MaxResults=2, NextToken=first["NextToken"])
        assert len(rest["Apps"]) == 2 and "NextToken" not in rest
        names = {(a["AppType"], a["AppName"]) for a in first["Apps"] + rest["Apps"]}
        assert len(names) == 4
        assert [c["InferenceComponentName"] for c in client.list_inference_components(EndpointNameEquals="idle-endpoint")["InferenceComponents"]] == []
        with pytest.raises(NotImplementedError):
            client.list_training_plans(Filters=[{"Name": "Status", "Value": "Active"}])

    def test_fake_describe_of_unknown_names_fails_as_aws_does(self, account):
        client = account.admin_session.client("sagemaker")
        with pytest.raises(client.exceptions.ResourceNotFound):
            client.describe_mlflow_tracking_server(TrackingServerName="nope")
        with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
            client.describe_inference_component(InferenceComponentName="nope")

    def test_bulk_jobs_look_like_api_created_ones(self, account):
        """insert_training_jobs (bulk) and CreateTrainingJob (moto's API) give the same Describe."""
        job = TrainingJob("shape-check", AS_OF - dt.timedelta(hours=1), 30, spot_savings=0.4, checkpoint=True, vpc=True, kms=True)
        request = training_request(job, "us-west-2")
        plain = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-west-2").client("sagemaker")
        plain.create_training_job(**request)
        via_api = plain.describe_training_job(TrainingJobName="shape-check")
        moto_state.insert_training_jobs(account.account_id, "us-west-1", [({**request}, {})])
        west1 = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-west-1").client("sagemaker")
        bulk = west1.describe_training_job(TrainingJobName="shape-check")
        ignore = {"ResponseMetadata", "CreationTime", "LastModifiedTime", "TrainingStartTime", "TrainingEndTime",
                  "SecondaryStatusTransitions", "FinalMetricDataList", "TrainingJobArn", "ModelArtifacts"}
        assert {k: v for k, v in bulk.items() if k not in ignore} == {k: v for k, v in via_api.items() if k not in ignore}


# --- regions and size ---------------------------------------------------------------------------------------


def test_second_region_is_quiet_and_fakes_are_regional():
    with simulated_account(AS_OF, regions=("us-east-1", "eu-west-1")) as account:
        clients = read_only_clients(account.admin_session)
        eu = clients.client("sagemaker", "eu-west-1")
        jobs = {r["TrainingJob"]["TrainingJobName"] for r in eu.search(Resource="TrainingJob")["Results"]}
        assert jobs == {"forecast-retrain-eu-west-1"}
        endpoints = [r["Endpoint"]["EndpointName"] for r in eu.search(Resource="Endpoint")["Results"]]
        assert endpoints == ["regional-endpoint-eu-west-1"]
        assert eu.list_apps()["Apps"] == [] and eu.list_mlflow_tracking_servers()["TrackingServerSummaries"] == []
        assert "forecast-retrain-eu-west-1" in account.seeded["training-job"]
        assert clients.client("sagemaker", "us-east-1").list_apps()["Apps"]


def test_five_thousand_training_jobs_seed_quickly_and_search_pages_them():
    started = time.perf_counter()
    with simulated_account(AS_OF, training_jobs=5000) as account:
        built = time.perf_counter() - started
        started = time.perf_counter()
        client = read_only_clients(account.admin_session).client("sagemaker")
        pages = list(client.get_paginator("search").paginate(Resource="TrainingJob", MaxResults=100))
        names = {r["TrainingJob"]["TrainingJobName"] for page in pages for r in page["Results"]}
        print(f"\n5,000 training jobs: account built in {built:.2f}s; Search read them in {len(pages)} pages, "
              f"{time.perf_counter() - started:.2f}s")
        assert names == account.seeded["training-job"] and len(names) == 5000
        assert len(pages) == 50




@pytest.mark.parametrize(
    "as_of",
    [dt.datetime(2025, 3, 1, 0, 45, tzinfo=UTC), dt.datetime(2024, 2, 29, 23, 59, tzinfo=UTC)],
    ids=["first-hour-of-month", "last-minute-of-leap-february"],
)
def test_any_as_of_builds_a_consistent_month(as_of):
    period_start = as_of.replace(day=1, hour=0, minute=0)
    with simulated_account(as_of) as account:
        client = read_only_clients(account.session).client("sagemaker")
        jobs = [r["TrainingJob"] for p in client.get_paginator("search").paginate(Resource="TrainingJob") for r in p["Results"]]
        assert {j["TrainingJobName"] for j in jobs} == account.seeded["training-job"]
        for job in jobs:
            assert job["CreationTime"] < job["TrainingStartTime"] < job.get("TrainingEndTime", as_of) <= as_of
        ended_in_period = [j for j in jobs if j.get("TrainingEndTime", period_start) >= period_start]
        assert len(ended_in_period) >= 28


def test_simulated_accounts_do_not_nest():
    with simulated_account(AS_OF):
        with pytest.raises(RuntimeError, match="cannot start inside another moto mock"):
            with simulated_account(AS_OF):
                pass
