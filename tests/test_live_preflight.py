"""Live preflight against moto IAM/STS, with IAM's policy simulator (which moto lacks) faked from moto's policies."""
import json
import math
from collections import Counter

import boto3
import pytest
from moto import mock_aws

from sagecheck import catalog as catalog_module
from sagecheck.catalog import Catalog, CatalogEntry
from sagecheck.demo.fakes import FakeAws, FakeError, FaultPlan
from sagecheck.demo.iam_fakes import install_simulator
from sagecheck.errors import AwsUnavailable, InputError
from sagecheck.iam import actiondb, live
from sagecheck.iam.preflight import GLOBAL_SERVICE_REGION, probe_arns
from sagecheck.session import read_only_clients

ACCOUNT = "123456789012"
CATALOG = catalog_module.load()
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ops/sagecheck-scanner"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/sagecheck-scanner/alice"
LISTS = [a for a in CATALOG.actions if a.startswith("sagemaker:List") and a != "sagemaker:ListApps"]

INLINE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Resource": "*",
     "Action": [*LISTS, "sagemaker:Search", "sts:GetCallerIdentity", "cloudwatch:GetMetricData"]},
    # A key the simulator is not given: neither path may call this granted.
    {"Effect": "Allow", "Action": "sagemaker:ListApps", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}}},
    {"Effect": "Deny", "Action": "sagemaker:ListClusters", "Resource": "*"},
    # The same on an ARN-scoped action: AWS reports the key under ResourceSpecificResults.
    {"Effect": "Deny", "Action": "sagemaker:DescribeModel", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/env": "prod"}}},
]}
MANAGED = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sagemaker:Describe*", "Resource": f"arn:aws:sagemaker:*:{ACCOUNT}:*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
    {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:SimulatePrincipalPolicy", "pricing:GetProducts",
                                   "sagemaker:CreateTrainingJob"], "Resource": "*"},
]}
BOUNDARY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sagemaker:*", "sts:*", "cloudwatch:*", "iam:Get*", "iam:List*",
                                   "iam:SimulatePrincipalPolicy"], "Resource": "*"},
]}
EXPECTED_MISSING = {"sagemaker:ListClusters", "pricing:GetProducts"}  # explicit deny; outside the boundary
EXPECTED_INCONCLUSIVE = {"sagemaker:ListApps", "sagemaker:DescribeModel"}


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def no_sleep(monkeypatch):
    """Retries back off for real seconds; the retry logic is under test, not the clock.

    Only the back-off between attempts is skipped: the adaptive mode's client-side rate limiter still waits
    for real after a throttle, which is most of this test's run time.
    """
    import types

    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _: None))


def managed(admin, name, document):
    return admin.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]


@pytest.fixture
def scanner_role(aws):
    """A role under /ops/ with an inline policy, an attached customer-managed policy and a boundary."""
    admin = aws
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    admin.create_role(RoleName="sagecheck-scanner", Path="/ops/", AssumeRolePolicyDocument=json.dumps(trust),
                      PermissionsBoundary=managed(admin, "sagecheck-boundary", BOUNDARY))
    admin.put_role_policy(RoleName="sagecheck-scanner", PolicyName="lists", PolicyDocument=json.dumps(INLINE))
    admin.attach_role_policy(RoleName="sagecheck-scanner", PolicyArn=managed(admin, "sagecheck-describe", MANAGED))
    return admin


def assumed_session():
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="alice")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def wired(session, admin, **simulator):
    """FakeAws goes on the session before any client exists, so every client answers through it."""
    fake = FakeAws()
    fake.install(session)
    sim = install_simulator(fake, admin, **simulator)
    return fake, sim, read_only_clients(session)


def statuses(result):
    return {o.action: o.status for o in result.outcomes}


def of(result, status):
    return {o.action for o in result.outcomes if o.status == status}


def iam_reads(fake):
    return Counter(op for service, op in fake.calls if service == "iam" and op != "SimulatePrincipalPolicy")


def expected_batches(catalog, regions, account=ACCOUNT):
    """(actions, resource ARNs) per SimulatePrincipalPolicy batch, derived from the catalog independently."""
    groups = {}
    for region in regions:
        for e in catalog.entries:
            home = GLOBAL_SERVICE_REGION.get(e.action.split(":")[0], region)
            groups.setdefault((home, tuple(probe_arns(e, region, account, "aws"))), set()).add(e.action)
    return [
        (min(live.BATCH_SIZE, len(actions) - start), len(arns))
        for (_, arns), actions in groups.items()
        for start in range(0, len(actions), live.BATCH_SIZE)
    ]


# ---------------------------------------------------------------- simulator path


def test_assumed_role_is_simulated_as_the_role_with_its_path(scanner_role):
    fake, sim, clients = wired(assumed_session(), scanner_role)
    result = live.live_preflight(clients, ["us-east-1"])
    assert result.principal == ROLE_ARN
    assert result.method == "simulate"
    assert {r["PolicySourceArn"] for r in sim.requests} == {ROLE_ARN}
    assert of(result, "missing") == EXPECTED_MISSING
    assert of(result, "inconclusive") == EXPECTED_INCONCLUSIVE
    assert "explicitDeny" in next(o.reason for o in result.outcomes if o.action == "sagemaker:ListClusters")
    assert result.excess == [] and any("excess" in n for n in result.notes)
    assert iam_reads(fake) == {"GetRole": 1}


def test_per_resource_answers_and_missing_keys_are_folded_in():
    def result(decision, *per_resource, missing=()):
        return {"EvalActionName": "sagemaker:DescribeModel", "EvalDecision": decision,
                "MissingContextValues": list(missing),
                "ResourceSpecificResults": [{"EvalResourceName": "arn", "EvalResourceDecision": d,
                                             "MissingContextValues": list(keys)} for d, keys in per_resource]}

    assert live._outcome(result("allowed", ("allowed", ())), "us-east-1").status == "granted"
    assert live._outcome(result("allowed", ("implicitDeny", ())), "us-east-1").status == "missing"
    assert live._outcome(result("allowed", ("allowed", ("aws:PrincipalTag/env",))), "r").status == "inconclusive"
    assert live._outcome(result("implicitDeny", missing=["aws:SourceIp"]), "r").status == "inconclusive"
    denied = live._outcome(result("explicitDeny", ("explicitDeny", ("aws:SourceIp",))), "eu-west-1")
    assert denied.status == "missing" and denied.reason == "explicitDeny by the simulator in eu-west-1"


def test_a_session_arn_is_refused_by_the_simulator_as_by_aws(scanner_role):
    _, _, clients = wired(assumed_session(), scanner_role)
    iam = clients.client("iam")
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.simulate_principal_policy(PolicySourceArn=SESSION_ARN, ActionNames=["sts:GetCallerIdentity"])


def test_actions_are_batched_by_resource_shape_and_region(scanner_role):
    fake, sim, clients = wired(assumed_session(), scanner_role)
    regions = ["us-east-1", "eu-west-1"]
    result = live.live_preflight(clients, regions)
    expected = expected_batches(CATALOG, regions)
    # Global IAM and pricing actions are asked once; SageMaker's are asked per region.
    assert len(sim.requests) == len(expected) == 29
    assert sorted((len(r["ActionNames"]), len(r["ResourceArns"])) for r in sim.requests) == sorted(expected)
    assert all(len(r["ActionNames"]) <= live.BATCH_SIZE for r in sim.requests)
    # The managed policy allows Describe* only in us-east-1.
    describe = next(o for o in result.outcomes if o.action == "sagemaker:DescribeCluster")
    assert describe.status == "missing" and "eu-west-1" in describe.reason


def test_a_large_group_is_split_into_batches_of_at_most_the_batch_size(scanner_role):
    lists = actiondb.expand("sagemaker:List*")
    assert len(lists) > 2 * live.BATCH_SIZE
    big = Catalog([CatalogEntry(a, "List", ("*",), (), ()) for a in lists])
    fake, sim, clients = wired(assumed_session(), scanner_role)
    live.live_preflight(clients, ["us-east-1"], catalog=big)
    sizes = [len(r["ActionNames"]) for r in sim.requests]
    assert len(sizes) == math.ceil(len(lists) / live.BATCH_SIZE)
    assert max(sizes) == live.BATCH_SIZE and sum(sizes) == len(lists)


def test_pages_are_followed(scanner_role):
    _, _, clients = wired(assumed_session(), scanner_role)
    whole = live.live_preflight(clients, ["us-east-1"])
    fake, sim, clients = wired(assumed_session(), scanner_role, page_size=7)
    paged = live.live_preflight(clients, ["us-east-1"])
    pages = sum(math.ceil(n * arns / 7) for n, arns in expected_batches(CATALOG, ["us-east-1"]))
    assert len(sim.requests) == pages > len(expected_batches(CATALOG, ["us-east-1"]))
    assert any(r.get("Marker") for r in sim.requests)
    assert paged.to_dict() == whole.to_dict()


def test_throttling_is_retried_to_the_same_answer(scanner_role, no_sleep):
    _, _, clients = wired(assumed_session(), scanner_role)
    clean = live.live_preflight(clients, ["us-east-1"])
    fake, _, clients = wired(assumed_session(), scanner_role)
    plan = FaultPlan(0.3, FakeError("Throttling", "Rate exceeded", 400), services=("iam",))
    fake.faults.append(plan)
    throttled = live.live_preflight(clients, ["us-east-1"])
    assert plan.injected > 5
    assert throttled.to_dict() == clean.to_dict()


# ---------------------------------------------------------------- local fallback


def test_denied_simulator_falls_back_to_reading_the_policies_with_minimal_calls(scanner_role):
    _, _, clients = wired(assumed_session(), scanner_role)
    simulated = live.live_preflight(clients, ["us-east-1", "eu-west-1"])
    fake, sim, clients = wired(assumed_session(), scanner_role, denied=True)
    local = live.live_preflight(clients, ["us-east-1", "eu-west-1"])
    assert local.method == "local" and local.principal == ROLE_ARN
    assert statuses(local) == statuses(simulated)
    assert len(sim.requests) == 1, "one refusal is enough to stop asking the simulator"
    # GetRole once (the path mapping's answer also gives the boundary); two managed policies, two reads each.
    assert iam_reads(fake) == {"GetRole": 1, "ListRolePolicies": 1, "GetRolePolicy": 1,
                               "ListAttachedRolePolicies": 1, "GetPolicy": 2, "GetPolicyVersion": 2}
    assert sum(iam_reads(fake).values()) == 8
    assert any("simulator was unavailable" in n and "AccessDenied" in n for n in local.notes)
    assert "sagemaker:CreateTrainingJob" in {e.action for e in local.excess}


def test_a_boundary_also_attached_is_fetched_once(scanner_role):
    scanner_role.attach_role_policy(RoleName="sagecheck-scanner",
                                    PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/sagecheck-boundary")
    fake, _, clients = wired(assumed_session(), scanner_role, denied=True)
    live.live_preflight(clients, ["us-east-1"])
    assert iam_reads(fake)["GetPolicy"] == 2 and iam_reads(fake)["GetPolicyVersion"] == 2


def test_everything_is_inconclusive_when_the_policies_cannot_be_read_either(scanner_role):
    fake, _, clients = wired(assumed_session(), scanner_role, denied=True)
    fake.on("iam", "GetRolePolicy", lambda params: (_ for _ in ()).throw(
        FakeError("AccessDenied", "not authorized to perform: iam:GetRolePolicy", 403)))
    result = live.live_preflight(clients, ["us-east-1"])
    assert result.method == "local"
    assert set(statuses(result).values()) == {"inconclusive"}
    assert all("GetRolePolicy" in o.reason for o in result.outcomes)
    assert any("could not be read" in n for n in result.notes)
    assert result.exit_code() == 1


def test_get_role_denied_keeps_the_role_without_its_path_and_says_so(scanner_role):
    fake, _, clients = wired(assumed_session(), scanner_role)
    fake.faults.append(FaultPlan(1.0, FakeError("AccessDenied", "no", 403), services=("iam",), operations=("GetRole",)))
    result = live.live_preflight(clients, ["us-east-1"])
    assert result.principal == f"arn:aws:iam::{ACCOUNT}:role/sagecheck-scanner"
    assert any("path is unknown" in n for n in result.notes)
    # The path-less ARN names no role for the simulator, and the fallback cannot read the boundary: unknown.
    assert set(statuses(result).values()) == {"inconclusive"}
    assert iam_reads(fake) == {"GetRole": 1}


# ---------------------------------------------------------------- another principal


@pytest.fixture
def grouped_user(aws):
    admin = aws
    shared = managed(admin, "shared-reads", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:Describe*", "Resource": "*"}]})
    admin.create_user(UserName="carol", Path="/team/")
    admin.put_user_policy(UserName="carol", PolicyName="own", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"}]}))
    admin.attach_user_policy(UserName="carol", PolicyArn=shared)
    admin.create_group(GroupName="ml-readers")
    admin.add_user_to_group(GroupName="ml-readers", UserName="carol")
    admin.put_group_policy(GroupName="ml-readers", PolicyName="iam-reads", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}))
    admin.attach_group_policy(GroupName="ml-readers", PolicyArn=shared)
    return admin


def test_a_user_with_groups_by_principal_arn(grouped_user):
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/team/carol"
    _, sim, clients = wired(boto3.Session(region_name="us-east-1"), grouped_user)
    simulated = live.live_preflight(clients, ["us-east-1"], principal_arn=user_arn)
    assert simulated.method == "simulate" and simulated.principal == user_arn
    assert {r["PolicySourceArn"] for r in sim.requests} == {user_arn}
    granted = of(simulated, "granted")
    assert "iam:GetRole" in granted, "granted through the group's inline policy"
    assert "sagemaker:DescribeCluster" in granted and "iam:ListRolePolicies" not in granted

    fake, _, clients = wired(boto3.Session(region_name="us-east-1"), grouped_user, denied=True)
    local = live.live_preflight(clients, ["us-east-1"], principal_arn=user_arn)
    assert local.method == "local" and statuses(local) == statuses(simulated)
    # The managed policy attached to both the user and the group is fetched once.
    assert iam_reads(fake) == {"GetUser": 1, "ListUserPolicies": 1, "GetUserPolicy": 1, "ListAttachedUserPolicies": 1,
                               "GetPolicy": 1, "GetPolicyVersion": 1, "ListGroupsForUser": 1,
                               "ListGroupPolicies": 1, "GetGroupPolicy": 1, "ListAttachedGroupPolicies": 1}


def test_a_principal_of_another_account_is_bad_input(aws):
    _, _, clients = wired(boto3.Session(region_name="us-east-1"), aws)
    with pytest.raises(InputError, match="account 999999999999"):
        live.live_preflight(clients, ["us-east-1"], principal_arn="arn:aws:iam::999999999999:role/x")
    with pytest.raises(InputError):
        live.live_preflight(clients, ["us-east-1"], principal_arn="not-an-arn")


# ---------------------------------------------------------------- AWS out of reach


def test_no_credentials_is_aws_unavailable(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients = read_only_clients(boto3.Session(region_name="us-east-1"))
    with pytest.raises(AwsUnavailable, match="no usable AWS credentials"):
        live.live_preflight(clients, ["us-east-1"])
    with pytest.raises(InputError):  # bad input is reported as such, even without credentials
        live.live_preflight(clients, ["us-east-1"], principal_arn="arn:aws:s3:::bucket")


def test_unreachable_endpoint_is_aws_unavailable(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    clients = read_only_clients(session, max_attempts=1)
    with pytest.raises(AwsUnavailable, match="could not be reached"):
        live.live_preflight(clients, ["us-east-1"])
