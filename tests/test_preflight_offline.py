"""Offline preflight: policy files, boundaries, SCPs and authorization details against the catalog."""
import json

import pytest
from conftest import LEGACY_POLICY, allow, deny

from sagecheck import api, catalog as catalog_module
from sagecheck.cli import main
from sagecheck.errors import InputError

CATALOG = catalog_module.load()
ALL = sorted(CATALOG.actions)


def run(files, regions=("us-east-1",), account="*", **kwargs):
    inputs = api.OfflineInputs(policy_files=tuple(files), **kwargs)
    return api.offline_preflight(inputs, list(regions), account)


def coverage(result):
    return {c.type: c.status for c in result.coverage}


def test_the_whole_catalog_granted_means_nothing_missing(write_json):
    result = run([write_json(allow(ALL))])
    assert result.missing_actions == []
    assert set(coverage(result).values()) == {"covered"}
    assert result.exit_code() == 0


def test_legacy_policy_misses_the_newer_reads_and_says_what_breaks():
    result = run([LEGACY_POLICY])
    missing = {o.action for o in result.with_status("missing")}
    assert {"sagemaker:ListClusters", "sagemaker:Search", "sagemaker:ListMlflowTrackingServers"} <= missing
    assert "sagemaker:ListNotebookInstances" not in missing
    cov = coverage(result)
    assert cov["hyperpod-cluster"] == "uncovered" and cov["notebook-instance"] == "covered"
    hyperpod = next(c for c in result.coverage if c.type == "hyperpod-cluster")
    assert "HyperPod clusters are not discovered, costed or checked" in hyperpod.breaks
    assert result.exit_code() == 1


def test_partial_coverage_when_only_details_are_missing(write_json):
    result = run([write_json(allow([a for a in ALL if a != "sagemaker:DescribeCluster"]))])
    assert coverage(result)["hyperpod-cluster"] == "partial"
    assert [o.action for o in result.with_status("missing")] == ["sagemaker:DescribeCluster"]


def test_regional_scoping_is_checked_per_region(write_json):
    scoped = allow(ALL, resource="*")
    scoped["Statement"][0]["Condition"] = {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-east-2"]}}
    # Global services (IAM, pricing) answer from us-east-1, so they stay granted either way.
    assert run([write_json(scoped)], regions=["us-east-1"]).missing_actions == []
    result = run([write_json(scoped)], regions=["us-east-1", "eu-west-1"])
    reasons = {o.action: o.reason for o in result.with_status("missing")}
    assert "sagemaker:ListClusters" in reasons and "eu-west-1" in reasons["sagemaker:ListClusters"]
    assert "iam:GetRole" not in reasons, "IAM is global: its requested region is us-east-1"


def test_arn_scoped_grants_are_checked_against_the_account(write_json):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [a for a in ALL if a.startswith("sagemaker:Describe")],
         "Resource": "arn:aws:sagemaker:*:111122223333:*"},
        {"Effect": "Allow", "Action": [a for a in ALL if not a.startswith("sagemaker:Describe")], "Resource": "*"},
    ]}
    assert run([write_json(doc)], account="111122223333").missing_actions == []
    other = run([write_json(doc)], account="999999999999")
    assert set(other.missing_actions) == {a for a in ALL if a.startswith("sagemaker:Describe")}
    # The offline default, a wildcard account, matches any pinned account.
    assert run([write_json(doc)]).missing_actions == []


def test_scp_explicit_deny_removes_a_grant(write_json):
    scp_allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    scp_deny = deny("sagemaker:ListClusters")
    result = run([write_json(allow(ALL))], scp_files=(write_json(scp_allow_all), write_json(scp_deny)))
    assert result.missing_actions == ["sagemaker:ListClusters"]
    assert "denied by" in result.with_status("missing")[0].reason


def test_permissions_boundary_intersects(write_json):
    boundary = allow([a for a in ALL if a.startswith("sagemaker:")])
    result = run([write_json(allow(ALL))], boundary_file=write_json(boundary))
    assert set(result.missing_actions) == {a for a in ALL if not a.startswith("sagemaker:")}


def test_unknown_condition_key_is_inconclusive_not_granted(write_json):
    doc = allow(ALL, Condition={"StringEquals": {"aws:ResourceTag/team": "ml"}})
    result = run([write_json(doc)])
    assert {o.status for o in result.outcomes} == {"inconclusive"}
    assert result.exit_code() == 1
    assert "aws:ResourceTag/team" in result.outcomes[0].reason


def test_excess_grants_are_listed_riskiest_first_and_strict_fails(write_json):
    result = run([write_json(allow(["sagemaker:*", *ALL]))])
    assert result.missing_actions == []
    levels = [e.access_level for e in result.excess]
    assert levels[0] == "Data plane"
    assert {"sagemaker:InvokeEndpoint", "sagemaker:DeleteEndpoint", "sagemaker:AddTags"} <= {
        e.action for e in result.excess
    }
    order = ["Data plane", "Permissions management", "Write", "Tagging", "Read", "List"]
    assert levels == sorted(levels, key=order.index)
    assert all(e.action not in ALL for e in result.excess)
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1


def test_exact_grant_has_no_excess(write_json):
    assert run([write_json(allow(ALL))]).excess == []


def authorization_details(role_policies, attached=None, boundary=None, managed=None):
    return {
        "UserDetailList": [
            {"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["readers"],
             "UserPolicyList": [], "AttachedManagedPolicies": []},
        ],
        "GroupDetailList": [
            {"GroupName": "readers", "GroupPolicyList": [
                {"PolicyName": "grp", "PolicyDocument": allow(["sagemaker:ListClusters"])}],
             "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadStuff"}]},
        ],
        "RoleDetailList": [
            {"RoleName": "scanner", "Path": "/ops/", "Arn": "arn:aws:iam::111122223333:role/ops/scanner",
             "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": p} for p in role_policies],
             "AttachedManagedPolicies": attached or [],
             **({"PermissionsBoundary": {"PermissionsBoundaryArn": boundary}} if boundary else {})},
        ],
        "Policies": managed or [],
    }


def managed_policy(arn, document):
    # The raw API gives URL-encoded JSON strings; the CLI decodes them. Exercise the raw form.
    from urllib.parse import quote

    return {"Arn": arn, "DefaultVersionId": "v2", "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": False, "Document": allow("*")},
        {"VersionId": "v2", "IsDefaultVersion": True, "Document": quote(json.dumps(document))},
    ]}


def test_authorization_details_role_with_managed_policy_and_boundary(write_json):
    half = [a for a in ALL if a.startswith("sagemaker:")]
    details = authorization_details(
        [allow([a for a in ALL if not a.startswith("sagemaker:")])],
        attached=[{"PolicyArn": "arn:aws:iam::111122223333:policy/sm"}],
        boundary="arn:aws:iam::111122223333:policy/edge",
        managed=[managed_policy("arn:aws:iam::111122223333:policy/sm", allow(half)),
                 managed_policy("arn:aws:iam::111122223333:policy/edge", allow(["sagemaker:*", "sts:*"]))],
    )
    inputs = api.OfflineInputs(authorization_details=write_json(details),
                               principal_arn="arn:aws:sts::111122223333:assumed-role/scanner/session-1")
    result = api.offline_preflight(inputs, ["us-east-1"], "111122223333")
    assert result.method == "local"
    assert result.principal == "arn:aws:iam::111122223333:role/ops/scanner"
    assert set(result.missing_actions) == {a for a in ALL if a.startswith(("iam:", "cloudwatch:", "pricing:"))}


def test_authorization_details_user_gets_group_policies_and_unread_policy_is_inconclusive(write_json):
    inputs = api.OfflineInputs(authorization_details=write_json(authorization_details([])),
                               principal_arn="arn:aws:iam::111122223333:user/alice")
    result = api.offline_preflight(inputs, ["us-east-1"])
    assert "sagemaker:ListClusters" in [o.action for o in result.with_status("granted")]
    assert not result.with_status("missing"), "an unread attached policy might grant the rest"
    assert "ReadStuff" in result.with_status("inconclusive")[0].reason
    assert any("ReadStuff" in n for n in result.notes)


@pytest.mark.parametrize("arn, message", [
    ("arn:aws:iam::111122223333:role/nobody", "no role named 'nobody'"),
    ("not-an-arn", "is not an IAM user, role or assumed-role ARN"),
])
def test_authorization_details_bad_principal(write_json, arn, message):
    inputs = api.OfflineInputs(authorization_details=write_json(authorization_details([])), principal_arn=arn)
    with pytest.raises(InputError, match=message):
        api.offline_preflight(inputs, ["us-east-1"])


def test_cli_json_report_has_the_contract_fields(capsys):
    code = main(["preflight", "--policy-file", str(LEGACY_POLICY), "--format", "json",
                 "--regions", "us-east-1"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {"principal", "method", "granted", "missing", "inconclusive", "excess", "coverage"} <= set(report)
    assert report["method"] == "policy-file"
    cov = {c["type"]: c for c in report["coverage"]}
    assert cov["hyperpod-cluster"]["status"] == "uncovered"
    assert "sagemaker:ListClusters" in cov["hyperpod-cluster"]["missing_actions"]


def test_cli_table_names_gaps_and_exit_codes(capsys, write_json):
    assert main(["preflight", "--policy-file", str(write_json(allow(ALL))), "--regions", "us-east-1"]) == 0
    assert "0 missing" in capsys.readouterr().out
    assert main(["preflight", "--policy-file", str(LEGACY_POLICY)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "What each gap breaks" in out and "sagemaker:ListClusters" in out
    assert "hyperpod-cluster │ uncovered" in out


@pytest.mark.parametrize("regions, account", [
    (["us-east-1"], None),
    (["us-east-1", "eu-west-1"], "111122223333"),
    ("all", "111122223333"),  # big enough to split into several managed policies
])
def test_round_trip_original_plus_generated_policy_misses_nothing(tmp_path, capsys, regions, account):
    legacy = str(LEGACY_POLICY)
    region_arg = regions if isinstance(regions, str) else ",".join(regions)
    out = tmp_path / "missing.json"
    account_args = ["--account-id", account] if account else []
    code = main(["preflight", "--policy-file", legacy, "--regions", region_arg, *account_args,
                 "--emit", "json", "--out", str(out)])
    assert code == 1
    generated = sorted(tmp_path.glob("missing*.json"))
    if regions == "all":
        assert len(generated) > 1, "17+ regions with an account do not fit one managed policy"
    capsys.readouterr()
    args = ["preflight", "--policy-file", legacy, "--regions", region_arg, *account_args, "--format", "json"]
    for path in generated:
        args += ["--policy-file", str(path)]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == []


def test_region_conditioned_write_grant_is_still_excess(write_json):
    doc = allow(["sagemaker:DeleteEndpoint", *ALL], Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    result = run([write_json(doc)], regions=["us-east-1"])
    assert "sagemaker:DeleteEndpoint" in {e.action for e in result.excess}


def test_full_admin_policy_shows_its_excess(write_json):
    result = run([write_json(allow("*"))])
    assert result.missing_actions == []
    levels = {e.access_level for e in result.excess}
    assert {"Data plane", "Permissions management", "Write"} <= levels
    assert result.exit_code(strict=True) == 1
