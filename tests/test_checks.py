"""Security checks: each one positive, negative and without data; ids stable; mappers' attrs read as named."""
import re

import pytest

from sagecheck.checks import ALL_CHECKS, BY_ID, CHECKS, PRIVILEGE_CHECKS, run_checks
from sagecheck.checks.model import SEVERITIES
from sagecheck.iam.preflight import Coverage, PreflightResult
from sagecheck.iam.review import Excess
from sagecheck.records import Capacity, Origin, ResourceRecord
from sagecheck.registry import BY_NAME

REGION, ACCOUNT = "us-east-1", "123456789012"

# Frozen: ids are what CI pipelines and code scanning key on. Add new ids; never renumber or reuse.
STABLE_IDS = [
    "SC-NB-001", "SC-NB-002", "SC-NB-003", "SC-NB-004", "SC-NB-005",
    "SC-TJ-001", "SC-TJ-002", "SC-TJ-003", "SC-TJ-004", "SC-TJ-005",
    "SC-PJ-001", "SC-PJ-002", "SC-PJ-003", "SC-PJ-004", "SC-PJ-005",
    "SC-TF-001", "SC-TF-002",
    "SC-EC-001", "SC-EC-002", "SC-EC-003",
    "SC-MD-001", "SC-MD-002",
    "SC-DM-001", "SC-DM-002", "SC-DM-003",
    "SC-FG-001", "SC-FG-002",
    "SC-HP-001",
    "SC-ML-001", "SC-ML-002",
    "SC-IAM-001", "SC-IAM-002", "SC-IAM-003", "SC-IAM-004",
]


def rec(rtype, attrs=None, name="res", capacity=(), region=REGION):
    return ResourceRecord(type=rtype, name=name, arn=f"arn:aws:sagemaker:{region}:{ACCOUNT}:{rtype}/{name}",
                          region=region, account=ACCOUNT, state="InService", capacity=tuple(capacity),
                          attrs=attrs or {})


ONE = [Capacity("AllTraffic", "ml.m5.xlarge", 1)]
TWO = [Capacity("AllTraffic", "ml.m5.xlarge", 2)]
SERVERLESS = [Capacity("AllTraffic", None, 0, serverless=True)]


def flag_case(rtype, key, bad, good, capacity=()):
    """A boolean or enum setting: positive, negative, and absent or None as no data."""
    return (rtype, capacity, {key: bad}, [{key: good}], [{}, {key: None}])


def setting_case(rtype, key, capacity=()):
    """A key or subnet: unset is the failure; absent is no data (None means 'not set' in the mappers)."""
    return (rtype, capacity, {key: None}, [{key: "arn:aws:kms:us-east-1:123456789012:key/k"}], [{}])


# check id -> (type, capacity, positive attrs, negative attrs list, missing-data attrs list)
CASES = {
    "SC-NB-001": flag_case("notebook-instance", "root_access", True, False),
    "SC-NB-002": flag_case("notebook-instance", "direct_internet_access", True, False),
    "SC-NB-003": setting_case("notebook-instance", "kms_key"),
    "SC-NB-004": setting_case("notebook-instance", "subnet"),
    "SC-NB-005": setting_case("notebook-instance", "lifecycle_config"),
    "SC-TJ-001": flag_case("training-job", "network_isolation", False, True),
    "SC-TJ-002": flag_case("training-job", "inter_container_encryption", False, True, TWO),
    "SC-TJ-003": setting_case("training-job", "volume_kms_key"),
    "SC-TJ-004": setting_case("training-job", "output_kms_key"),
    "SC-TJ-005": flag_case("training-job", "vpc", False, True),
    "SC-PJ-001": flag_case("processing-job", "network_isolation", False, True),
    "SC-PJ-002": flag_case("processing-job", "inter_container_encryption", False, True, TWO),
    "SC-PJ-003": setting_case("processing-job", "volume_kms_key"),
    "SC-PJ-004": setting_case("processing-job", "output_kms_key"),
    "SC-PJ-005": flag_case("processing-job", "vpc", False, True),
    "SC-TF-001": setting_case("transform-job", "volume_kms_key"),
    "SC-TF-002": setting_case("transform-job", "output_kms_key"),
    "SC-EC-001": setting_case("endpoint-config", "kms_key", ONE),
    "SC-EC-002": flag_case("endpoint-config", "data_capture", False, True),
    "SC-MD-001": flag_case("model", "network_isolation", False, True),
    "SC-MD-002": flag_case("model", "vpc", False, True),
    "SC-DM-001": flag_case("domain", "app_network_access", "PublicInternetOnly", "VpcOnly"),
    "SC-DM-002": flag_case("domain", "auth_mode", "IAM", "SSO"),
    "SC-DM-003": setting_case("domain", "kms_key"),
    "SC-FG-001": ("feature-group", (), {"online_store": True, "online_kms_key": None},
                  [{"online_store": True, "online_kms_key": "k"}, {"online_store": False, "online_kms_key": None}],
                  [{}, {"online_kms_key": None}, {"online_store": None, "online_kms_key": None},
                   {"online_store": True}]),
    "SC-FG-002": ("feature-group", (), {"offline_store": True, "offline_kms_key": None},
                  [{"offline_store": True, "offline_kms_key": "k"}, {"offline_store": False, "offline_kms_key": None}],
                  [{}, {"offline_kms_key": None}, {"offline_store": True}]),
    "SC-HP-001": flag_case("hyperpod-cluster", "vpc", False, True),
    "SC-ML-001": flag_case("mlflow-tracking-server", "active", True, False),
    "SC-ML-002": flag_case("mlflow-tracking-server", "s3_owner_verification", False, True),
}
RECORD_IDS = sorted(CASES)


def ids_of(findings, check_id):
    return [f for f in findings if f.check_id == check_id]


# --- the registry of checks ---

def test_ids_are_unique_stable_and_at_least_twenty():
    ids = [c.check_id for c in ALL_CHECKS]
    assert len(ids) == len(set(ids))
    assert ids == STABLE_IDS
    assert len(ids) >= 20
    assert all(re.fullmatch(r"SC-[A-Z]{2,3}-\d{3}", i) for i in ids)


def test_every_check_is_complete():
    known_types = set(BY_NAME) | {"iam-principal"}
    for check in ALL_CHECKS:
        assert check.severity in SEVERITIES
        assert check.title and check.risk and check.remediation
        assert set(check.types) <= known_types, check.check_id


def test_every_record_check_has_cases():
    assert {c.check_id for c in CHECKS} == set(CASES) | {"SC-EC-003"}


# --- each record check: positive, negative, missing data ---

@pytest.mark.parametrize("check_id", RECORD_IDS)
def test_positive(check_id):
    rtype, capacity, bad, _, _ = CASES[check_id]
    record = rec(rtype, bad, capacity=capacity)
    found = ids_of(run_checks([record]), check_id)
    assert len(found) == 1
    finding = found[0]
    assert finding.arn == record.arn and finding.resource_type == rtype
    assert finding.severity == BY_ID[check_id].severity
    assert record.name in finding.message and finding.remediation == BY_ID[check_id].remediation


@pytest.mark.parametrize("check_id", RECORD_IDS)
def test_negative(check_id):
    rtype, capacity, _, goods, _ = CASES[check_id]
    for good in goods:
        assert not ids_of(run_checks([rec(rtype, good, capacity=capacity)]), check_id), good


@pytest.mark.parametrize("check_id", RECORD_IDS)
def test_missing_data_is_not_a_finding(check_id):
    rtype, capacity, _, _, missing = CASES[check_id]
    for attrs in missing:
        assert not ids_of(run_checks([rec(rtype, attrs, capacity=capacity)]), check_id), attrs


def test_checks_ignore_other_types():
    assert not ids_of(run_checks([rec("endpoint", {"root_access": True})]), "SC-NB-001")


def test_inter_container_encryption_matters_only_between_instances():
    for check_id, rtype in (("SC-TJ-002", "training-job"), ("SC-PJ-002", "processing-job")):
        assert not ids_of(run_checks([rec(rtype, {"inter_container_encryption": False}, capacity=ONE)]), check_id)
        assert not ids_of(run_checks([rec(rtype, {"inter_container_encryption": False})]), check_id)


def test_endpoint_config_single_instance():
    assert ids_of(run_checks([rec("endpoint-config", {}, capacity=ONE)]), "SC-EC-003")
    assert not ids_of(run_checks([rec("endpoint-config", {}, capacity=TWO)]), "SC-EC-003")
    assert not ids_of(run_checks([rec("endpoint-config", {}, capacity=SERVERLESS)]), "SC-EC-003")
    assert not ids_of(run_checks([rec("endpoint-config", {})]), "SC-EC-003")  # no variants read


def test_serverless_endpoint_config_needs_no_kms_key():
    assert not ids_of(run_checks([rec("endpoint-config", {"kms_key": None}, capacity=SERVERLESS)]), "SC-EC-001")


def test_notebook_auto_stop_reads_its_lifecycle_config():
    notebook = rec("notebook-instance", {"lifecycle_config": "lcc"}, name="nb")
    no_stop = rec("notebook-lifecycle-config", {"auto_stop": False}, name="lcc")
    stops = rec("notebook-lifecycle-config", {"auto_stop": True}, name="lcc")
    elsewhere = rec("notebook-lifecycle-config", {"auto_stop": False}, name="lcc", region="eu-west-1")
    assert ids_of(run_checks([notebook, no_stop]), "SC-NB-005")
    assert not ids_of(run_checks([notebook, stops]), "SC-NB-005")
    assert not ids_of(run_checks([notebook]), "SC-NB-005")  # config not read: no data
    assert not ids_of(run_checks([notebook, elsewhere]), "SC-NB-005")


# --- preflight: unread details and the scanning role's excess grants ---

def preflight(excess=(), coverage=(), outcomes=(), principal=f"arn:aws:iam::{ACCOUNT}:role/scanner"):
    return PreflightResult(principal, "policy-file", list(outcomes), list(coverage), [], excess=list(excess))


def test_types_whose_details_were_not_granted_are_not_checked():
    notebook = rec("notebook-instance", {"kms_key": None, "subnet": None, "root_access": False})
    gap = Coverage("notebook-instance", "partial", ("sagemaker:DescribeNotebookInstance",), ("details not read",))
    assert run_checks([notebook], preflight(coverage=[gap])) == []
    listed_only = Coverage("hyperpod-cluster", "partial", ("sagemaker:ListTags",), ("tags not read",))
    assert ids_of(run_checks([notebook], preflight(coverage=[listed_only])), "SC-NB-003")


EXCESS = [
    Excess("sagemaker:InvokeEndpoint", "Data plane", "granted"),
    Excess("sagemaker-featurestore-runtime:GetRecord", "Data plane", "granted"),
    Excess("iam:PutRolePolicy", "Permissions management", "granted"),
    *[Excess(f"sagemaker:Delete{n}", "Write", "granted") for n in "ABCDEFG"],
    Excess("sagemaker:AddTags", "Tagging", "granted"),
    Excess("s3:ListAllMyBuckets", "List", "granted"),
]


@pytest.mark.parametrize("check", PRIVILEGE_CHECKS, ids=lambda c: c.check_id)
def test_privilege_positive(check):
    result = preflight(EXCESS)
    found = ids_of(run_checks([], result), check.check_id)
    assert len(found) == 1
    finding = found[0]
    count = sum(e.access_level == check.access_level for e in EXCESS)
    assert finding.arn == result.principal and finding.resource_type == "iam-principal"
    assert f"{count} {check.access_level.lower()} action(s)" in finding.message
    assert finding.severity == check.severity


@pytest.mark.parametrize("check", PRIVILEGE_CHECKS, ids=lambda c: c.check_id)
def test_privilege_negative_and_missing(check):
    others = [e for e in EXCESS if e.access_level != check.access_level]
    assert not ids_of(run_checks([], preflight(others)), check.check_id)
    assert not ids_of(run_checks([], preflight([])), check.check_id)
    assert not ids_of(run_checks([], None), check.check_id)
    no_excess = preflight()
    no_excess.excess = None
    assert not ids_of(run_checks([], no_excess), check.check_id)


def test_privilege_findings_accept_dicts_and_name_examples():
    result = preflight([e.to_dict() for e in EXCESS])
    write = ids_of(run_checks([], result), "SC-IAM-003")[0]
    assert "7 write action(s)" in write.message and "and 2 more" in write.message


def test_read_and_list_excess_is_not_a_finding():
    result = preflight([Excess("s3:ListAllMyBuckets", "List", "g"), Excess("ec2:DescribeVpcs", "Read", "g")])
    assert run_checks([], result) == []


# --- the output ---

def test_findings_are_sorted_most_severe_first_and_serialize():
    records = [rec("notebook-instance", {"root_access": True, "kms_key": None}, name="nb"),
               rec("domain", {"auth_mode": "IAM"}, name="d")]
    findings = run_checks(records, preflight(EXCESS))
    assert [f.severity for f in findings] == sorted((f.severity for f in findings), key=SEVERITIES.index)
    assert findings[0].check_id == "SC-IAM-002"
    for f in findings:
        d = f.to_dict()
        assert {"check_id", "severity", "arn", "message", "remediation", "resource_type"} <= set(d)


# --- real mapper output: the attrs the checks read are the attrs the mappers write ---

def mapped(rtype, raw):
    return BY_NAME[rtype].record(raw, Origin(rtype, REGION, ACCOUNT))


ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"


def test_mapped_notebook():
    raw = {"NotebookInstanceName": "nb", "NotebookInstanceArn": f"{ARN}:notebook-instance/nb",
           "NotebookInstanceStatus": "InService", "DirectInternetAccess": "Enabled", "RootAccess": "Enabled"}
    found = {f.check_id for f in run_checks([mapped("notebook-instance", raw)])}
    assert found == {"SC-NB-001", "SC-NB-002", "SC-NB-003", "SC-NB-004", "SC-NB-005"}
    safe = {**raw, "DirectInternetAccess": "Disabled", "RootAccess": "Disabled", "KmsKeyId": "k",
            "SubnetId": "subnet-1", "NotebookInstanceLifecycleConfigName": "lcc"}
    assert run_checks([mapped("notebook-instance", safe)]) == []


def test_mapped_training_job():
    raw = {"TrainingJobName": "tj", "TrainingJobArn": f"{ARN}:training-job/tj", "TrainingJobStatus": "Completed",
           "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 2},
           "EnableNetworkIsolation": False, "EnableInterContainerTrafficEncryption": False}
    found = {f.check_id for f in run_checks([mapped("training-job", raw)])}
    assert found == {"SC-TJ-001", "SC-TJ-002", "SC-TJ-003", "SC-TJ-004", "SC-TJ-005"}
    safe = {**raw, "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "ResourceConfig": {**raw["ResourceConfig"], "VolumeKmsKeyId": "k"},
            "OutputDataConfig": {"KmsKeyId": "k"}, "VpcConfig": {"Subnets": ["s"], "SecurityGroupIds": ["g"]}}
    assert run_checks([mapped("training-job", safe)]) == []


def test_mapped_processing_and_transform_jobs():
    processing = {"ProcessingJobName": "pj", "ProcessingJobArn": f"{ARN}:processing-job/pj",
                  "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2}},
                  "NetworkConfig": {"EnableNetworkIsolation": False}}
    transform = {"TransformJobName": "tf", "TransformJobArn": f"{ARN}:transform-job/tf",
                 "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}}
    found = {f.check_id for f in run_checks([mapped("processing-job", processing), mapped("transform-job", transform)])}
    assert found == {"SC-PJ-001", "SC-PJ-002", "SC-PJ-003", "SC-PJ-004", "SC-PJ-005", "SC-TF-001", "SC-TF-002"}


def test_mapped_inference_resources():
    config = {"EndpointConfigName": "ec", "EndpointConfigArn": f"{ARN}:endpoint-config/ec",
              "ProductionVariants": [{"VariantName": "v", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}]}
    model = {"ModelName": "m", "ModelArn": f"{ARN}:model/m", "EnableNetworkIsolation": False}
    found = {f.check_id for f in run_checks([mapped("endpoint-config", config), mapped("model", model)])}
    assert found == {"SC-EC-001", "SC-EC-002", "SC-EC-003", "SC-MD-001", "SC-MD-002"}
    safe_config = {**config, "KmsKeyId": "k", "DataCaptureConfig": {"InitialSamplingPercentage": 10},
                   "ProductionVariants": [{**config["ProductionVariants"][0], "InitialInstanceCount": 2}]}
    safe_model = {**model, "EnableNetworkIsolation": True, "VpcConfig": {"Subnets": ["s"]}}
    assert run_checks([mapped("endpoint-config", safe_config), mapped("model", safe_model)]) == []


def test_mapped_domain_feature_group_hyperpod_mlflow():
    records = [
        mapped("domain", {"DomainId": "d-1", "DomainArn": f"{ARN}:domain/d-1", "AppNetworkAccessType": "PublicInternetOnly",
                          "AuthMode": "IAM"}),
        mapped("feature-group", {"FeatureGroupName": "fg", "FeatureGroupArn": f"{ARN}:feature-group/fg",
                                 "OnlineStoreConfig": {"EnableOnlineStore": True}}),
        mapped("hyperpod-cluster", {"ClusterName": "c", "ClusterArn": f"{ARN}:cluster/c", "ClusterStatus": "InService"}),
        mapped("mlflow-tracking-server", {"TrackingServerName": "t", "TrackingServerArn": f"{ARN}:mlflow-tracking-server/t",
                                          "IsActive": "Active", "TrackingServerSize": "Small"}),
    ]
    found = {f.check_id for f in run_checks(records)}
    assert {"SC-DM-001", "SC-DM-002", "SC-DM-003", "SC-FG-001", "SC-HP-001", "SC-ML-001"} <= found


# The mappers carry the fields these checks read.
def test_mapped_feature_group_offline_store():
    raw = {"FeatureGroupName": "fg", "FeatureGroupArn": f"{ARN}:feature-group/fg",
           "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://b/p"}}}
    assert ids_of(run_checks([mapped("feature-group", raw)]), "SC-FG-002")


def test_mapped_mlflow_bucket_owner_verification():
    raw = {"TrackingServerName": "t", "TrackingServerArn": f"{ARN}:mlflow-tracking-server/t",
           "S3BucketOwnerVerification": False}
    assert ids_of(run_checks([mapped("mlflow-tracking-server", raw)]), "SC-ML-002")
