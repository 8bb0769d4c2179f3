"""SARIF output: valid against the official SARIF 2.1.0 schema, and shaped as GitHub code scanning needs."""
import json
import re
from pathlib import Path

import jsonschema
import pytest

from sagecheck.checks import ALL_CHECKS, Finding, run_checks
from sagecheck.iam.preflight import ActionOutcome, Coverage, FeatureGap, PreflightResult
from sagecheck.iam.review import Excess
from sagecheck.records import ResourceRecord
from sagecheck.report.sarif import LEVELS, PERMISSION_PREFIX, arn_path, to_sarif

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
PRINCIPAL = "arn:aws:iam::123456789012:role/service-role/sagecheck-scanner"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


def validators():
    declared = jsonschema.validators.validator_for(SCHEMA)  # draft-04, as the OASIS file declares
    for cls in (declared, jsonschema.Draft7Validator):
        cls.check_schema(SCHEMA)
        yield cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


def assert_valid(log):
    log = json.loads(json.dumps(log))  # what is written to disk
    for validator in validators():
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def record(rtype, name, **attrs):
    return ResourceRecord(type=rtype, name=name, arn=f"{ARN}:{rtype}/{name}", region="us-east-1",
                          account="123456789012", state="InService", attrs=attrs)


@pytest.fixture
def preflight():
    return PreflightResult(
        principal=PRINCIPAL,
        method="policy-file",
        outcomes=[
            ActionOutcome("sagemaker:ListNotebookInstances", "granted", "allowed"),
            ActionOutcome("sagemaker:ListClusters", "missing", "no statement allows it (in us-east-1)"),
            ActionOutcome("sagemaker:DescribeCluster", "missing", "no statement allows it (in us-east-1)"),
            ActionOutcome("cloudwatch:GetMetricData", "inconclusive", "condition on an unknown key"),
        ],
        coverage=[Coverage("hyperpod-cluster", "uncovered", ("sagemaker:ListClusters", "sagemaker:DescribeCluster"),
                           ("HyperPod clusters are not discovered, costed or checked",
                            "HyperPod clusters are found but their details are not read"))],
        feature_gaps=[FeatureGap("metrics", ("cloudwatch:GetMetricData",), "utilisation is unknown")],
        excess=[Excess("iam:PassRole", "Permissions management", "granted"),
                Excess("sagemaker:InvokeEndpoint", "Data plane", "granted")],
    )


@pytest.fixture
def findings(preflight):
    records = [
        record("notebook-instance", "nb", root_access=True, direct_internet_access=True, kms_key=None),
        record("domain", "d-1", app_network_access="PublicInternetOnly", auth_mode="IAM", kms_key="k"),
        record("model", "m", network_isolation=False, vpc=True),
        record("mlflow-tracking-server", "t", active=True),
    ]
    return run_checks(records, preflight)


def run_of(log):
    assert len(log["runs"]) == 1
    return log["runs"][0]


def test_output_validates_against_the_sarif_schema(findings, preflight):
    log = to_sarif(findings, preflight, "0.1.0")
    assert_valid(log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")


def test_empty_scan_validates():
    log = to_sarif([], None, "0.1.0")
    assert_valid(log)
    assert run_of(log)["results"] == []


def test_the_schema_rejects_a_broken_log(findings, preflight):
    log = to_sarif(findings, preflight, "0.1.0")
    log["version"] = "2.0.0"
    del run_of(log)["results"][0]["message"]
    for validator in validators():
        assert not validator.is_valid(log)


def test_one_rule_per_check_and_per_missing_permission(findings, preflight):
    rules = run_of(to_sarif(findings, preflight, "0.1.0"))["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert ids[: len(ALL_CHECKS)] == [c.check_id for c in ALL_CHECKS]
    assert ids[len(ALL_CHECKS):] == [PERMISSION_PREFIX + a for a in
                                     ("cloudwatch:GetMetricData", "sagemaker:DescribeCluster", "sagemaker:ListClusters")]
    by_id = {r["id"]: r for r in rules}
    for check in ALL_CHECKS:
        rule = by_id[check.check_id]
        assert rule["shortDescription"]["text"] == check.title
        assert rule["help"]["text"] == check.remediation
        assert rule["defaultConfiguration"]["level"] == LEVELS[check.severity]
        assert "security" in rule["properties"]["tags"]
    assert "HyperPod clusters are not discovered" in by_id["SC-PERM-sagemaker:ListClusters"]["fullDescription"]["text"]
    assert "utilisation is unknown" in by_id["SC-PERM-cloudwatch:GetMetricData"]["fullDescription"]["text"]


def test_a_result_per_finding_and_per_gap(findings, preflight):
    run = run_of(to_sarif(findings, preflight, "0.1.0"))
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(findings) + 3
    for result, finding in zip(results, findings):
        assert result["ruleId"] == finding.check_id
        assert result["level"] == LEVELS[finding.severity]
        assert result["message"]["text"] == f"{finding.message} Resource: {finding.arn}"
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == finding.arn
    gaps = results[len(findings):]
    assert [g["ruleId"] for g in gaps] == [PERMISSION_PREFIX + "cloudwatch:GetMetricData",
                                           PERMISSION_PREFIX + "sagemaker:DescribeCluster",
                                           PERMISSION_PREFIX + "sagemaker:ListClusters"]
    assert all(g["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == PRINCIPAL for g in gaps)
    assert "inconclusive" in gaps[0]["message"]["text"] and "missing" in gaps[2]["message"]["text"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    excess = [r for r in results if r["ruleId"].startswith("SC-IAM-")]
    assert {r["ruleId"] for r in excess} == {"SC-IAM-001", "SC-IAM-002"}


def test_what_github_code_scanning_requires(findings, preflight):
    run = run_of(to_sarif(findings, preflight, "0.1.0"))
    assert run["tool"]["driver"]["name"] == "sagecheck"
    assert run["tool"]["driver"]["semanticVersion"] == "0.1.0"
    for rule in run["tool"]["driver"]["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            assert 0 < len(rule[key]["text"]) <= 1024
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        severity = rule["properties"].get("security-severity")
        assert severity is None or 0 < float(severity) <= 10
    for result in run["results"]:
        assert result["message"]["text"]
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri and ":" not in uri and not uri.startswith("/")  # repository-relative, no URI scheme
        # jsonschema checks "uri-reference" only with optional packages; check RFC 3986 path characters here.
        assert re.fullmatch(r"[A-Za-z0-9\-._~%!$&'()*+,;=@/]+", uri), uri
        assert physical["region"]["startLine"] == 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_fingerprints_are_stable_and_distinct(findings, preflight):
    first = run_of(to_sarif(findings, preflight, "0.1.0"))["results"]
    again = run_of(to_sarif(list(reversed(findings)), preflight, "0.2.0"))["results"]
    prints = {r["ruleId"] + r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]:
              r["partialFingerprints"]["primaryLocationLineHash"] for r in first}
    assert len(set(prints.values())) == len(prints)
    for result in again:
        key = result["ruleId"] + result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert prints[key] == result["partialFingerprints"]["primaryLocationLineHash"]


def test_arn_paths():
    assert arn_path(f"{ARN}:notebook-instance/nb") == "arn/aws/sagemaker/us-east-1/123456789012/notebook-instance/nb"
    assert arn_path(PRINCIPAL) == "arn/aws/iam/global/123456789012/role/service-role/sagecheck-scanner"
    assert arn_path("policy file a b.json") == "principal/policy%20file%20a%20b.json"
    assert arn_path("arn:aws:sagemaker:us-east-1:123456789012:app/d-1/alice/jupyterserver/default") \
        == "arn/aws/sagemaker/us-east-1/123456789012/app/d-1/alice/jupyterserver/default"


def test_unknown_check_ids_and_dict_findings_still_validate():
    foreign = Finding("XX-001", "info", f"{ARN}:endpoint/e", "something", "fix it", "endpoint")
    log = to_sarif([foreign, foreign.to_dict()], None, "dev")
    assert_valid(log)
    run = run_of(log)
    assert run["tool"]["driver"]["rules"][-1]["id"] == "XX-001"
    assert "semanticVersion" not in run["tool"]["driver"]
    assert [r["level"] for r in run["results"]] == ["note", "note"]
