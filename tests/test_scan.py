"""The whole pipeline on the simulated account: every type discovered, every call in the catalog, the demo."""
import datetime as dt
import json

import pytest

from sagecheck import api, catalog as catalog_module
from sagecheck.cli import main
from sagecheck.demo.iam_fakes import install_simulator
from sagecheck.demo.run import run_demo
from sagecheck.discovery import discover
from sagecheck.session import read_only_clients
from sagecheck.demo.scenario import SCANNER_ROLE_NAME, simulated_account
from sagecheck.iam.generate import Scope, policy_documents
from sagecheck.registry import RESOURCE_TYPES
from sagecheck.report.json_report import scan_dict, validate

AS_OF = dt.datetime(2026, 12, 15, 12, tzinfo=dt.timezone.utc)
REGIONS = ["eu-west-1", "us-east-1"]
# Catalog actions a scan by a role does not call, each with the feature that needs it.
NOT_CALLED_BY_A_ROLE_SCAN = {
    "iam:GetUser": "preflight-local, for user principals",
    "iam:ListUserPolicies": "preflight-local, for user principals",
    "iam:GetUserPolicy": "preflight-local, for user principals",
    "iam:ListAttachedUserPolicies": "preflight-local, for user principals",
    "iam:ListGroupsForUser": "preflight-local, for user principals",
    "iam:ListGroupPolicies": "preflight-local, for user principals",
    "iam:GetGroupPolicy": "preflight-local, for user principals",
    "iam:ListAttachedGroupPolicies": "preflight-local, for user principals",
}


def grant_everything(account):
    admin = account.new_admin_session()
    documents = policy_documents(catalog_module.load().entries, Scope(account=account.account_id))
    iam = admin.client("iam")
    for n, document in enumerate(documents):  # as a managed policy, so the local fallback reads one too
        arn = iam.create_policy(PolicyName=f"sagecheck-all-{n}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=SCANNER_ROLE_NAME, PolicyArn=arn)
    return admin


@pytest.fixture(scope="module")
def full_scan():
    with simulated_account(AS_OF, regions=tuple(REGIONS)) as account:
        admin = grant_everything(account)
        simulator = install_simulator(account.fake, admin.client("iam"))
        first = api.scan(account.session, REGIONS, AS_OF, prices="auto")
        simulator.deny(True)  # the same scan when the simulator is denied: the local fallback's reads
        second = api.scan(account.session, REGIONS, AS_OF, prices="auto")
        everything = discover(read_only_clients(account.new_admin_session()), REGIONS, account.account_id)
    return account, first, second, everything


def test_every_registry_type_is_discovered_with_the_seeded_names(full_scan):
    account, scan, _, everything = full_scan
    assert scan.discovery.errors == [] and scan.discovery.uncovered == []
    period_start = scan.period[0]
    finished_before = {(r.type, r.name) for r in everything.records
                       if r.ended and r.ended < period_start and r.state in ("Completed", "Failed", "Stopped")}
    assert finished_before, "the scenario has jobs that ended last month"
    for rtype in RESOURCE_TYPES:
        found = {r.name for r in scan.discovery.records if r.type == rtype.name}
        assert {r.name for r in everything.records if r.type == rtype.name} == account.seeded[rtype.name], rtype.name
        # The period filter skips only what finished before the period began.
        assert found == account.seeded[rtype.name] - {n for t, n in finished_before if t == rtype.name}, rtype.name


def test_both_preflight_paths_agree_and_grant_everything(full_scan):
    _, first, second, _ = full_scan
    assert first.preflight.method == "simulate" and second.preflight.method == "local"
    assert first.preflight.missing_actions == [] and second.preflight.missing_actions == []
    assert first.exit_code == 0


def test_the_calls_made_equal_the_catalog(full_scan):
    _, first, second, _ = full_scan
    called = {f"{service}:{op}" for service, op in {**first.calls, **second.calls}}
    catalog = set(catalog_module.load().actions)
    assert called <= catalog, f"called but not in the catalog: {called - catalog}"
    assert catalog - called == set(NOT_CALLED_BY_A_ROLE_SCAN), "no permission goes unused without a named reason"


def test_report_validates_and_has_the_contract_fields(full_scan):
    _, scan, _, _ = full_scan
    report = scan_dict(scan)
    validate(report)
    assert report["accounts"] == ["123456789012"] and report["regions"] == REGIONS
    kinds = {r["type"] for r in report["resources"]}
    assert kinds == {t.name for t in RESOURCE_TYPES}
    spot = [r for r in report["resources"] if r.get("spot_savings_pct")]
    assert spot and all(0 < r["spot_savings_pct"] < 100 for r in spot)
    unpriced = [r for r in report["resources"] if not r["priced"]]
    assert unpriced and all(r["cost_usd"] is None and r["unpriced_reason"] for r in unpriced)
    assert report["totals"]["unpriced_count"] == len([r for r in unpriced if r["in_totals"]])


def test_uncovered_types_are_listed_and_never_called():
    with simulated_account(AS_OF, regions=("eu-west-1",)) as account:
        install_simulator(account.fake, account.new_admin_session().client("iam"))
        scan = api.scan(account.session, ["eu-west-1"], AS_OF, prices="bundled")
    uncovered = {u.type for u in scan.discovery.uncovered}
    assert {"hyperpod-cluster", "training-job", "endpoint", "mlflow-tracking-server"} <= uncovered
    assert ("sagemaker", "ListClusters") not in scan.calls and ("sagemaker", "Search") not in scan.calls
    assert scan.exit_code == 1
    validate(scan_dict(scan))


def test_demo_flow_preflight_gap_then_green_then_full_scan(tmp_path):
    lines = []
    result = run_demo(AS_OF, say=lines.append, policy_out=tmp_path / "missing.json")
    assert result.before.missing_actions and not result.after.missing_actions
    assert json.loads((tmp_path / "missing.json").read_text())["Statement"]
    scan = result.scan
    assert scan.discovery.complete and scan.exit_code == 0
    report = scan_dict(scan)
    validate(report)
    states = {(r["type"], r["name"]): r for r in report["resources"]}
    assert states[("hyperpod-cluster", "hp-stopped")]["state"] == "stopped"
    assert states[("hyperpod-cluster", "hp-stopped")]["forecast_usd"] == 0
    assert states[("notebook-instance", "ds-notebook-bob")]["compute_usd"] == 0
    totals = report["totals"]
    assert totals["naive_forecast_usd"] > totals["forecast_usd"] and totals["phantom_usd"] > 0
    assert totals["unpriced_count"] >= 1
    assert [line.split()[0] for line in lines] == ["1.", "wrote", "2.", "3.", "4."]
    kinds = {r["kind"] for r in report["recommendations"]}
    assert {"idle-endpoint", "partly-idle-endpoint", "overprovisioned-endpoint", "idle-notebook", "idle-studio-app",
            "hyperpod-schedule", "managed-spot", "spot-achieved", "overprovisioned-job"} <= kinds
    assert not any(r["arn"].endswith("cluster/hp-stopped") for r in report["recommendations"]), "stopped: no advice"
    assert len({f["check_id"] for f in report["findings"]}) >= 5
    dollars = [r["monthly_savings_usd"] for r in report["recommendations"] if r["monthly_savings_usd"] is not None]
    assert dollars == sorted(dollars, reverse=True), "sorted by dollars, unknown last"


def test_demo_cli_json_output_validates(capsys):
    code = main(["demo", "--as-of", "2026-12-15T12:00:00Z", "--format", "json", "--quiet"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    validate(report)
    assert code == 0 and "1. preflight" in captured.err
