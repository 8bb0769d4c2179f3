"""HyperPod on/off control: the only code that changes an account.

Pure planning is tested on hand-made cluster states; everything that talks to AWS runs against the simulated
account, with the UpdateCluster fake that really changes moto's cluster, and its failure injection.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import botocore.session
import hcl2
import parliament
import pytest
from botocore.validate import ParamValidator
from hcl2.utils import SerializationOptions
from typer.testing import CliRunner

from terraform_support import OFFLINE_PROVIDER, PLUGINS, needs_plugins, needs_terraform, terraform, terraform_env
from sagecheck import catalog
from sagecheck import hyperpod_control as hc
from sagecheck.cli_hyperpod import hyperpod_app, render_plan
from sagecheck.demo import moto_state
from sagecheck.demo.fakes import FakeError
from sagecheck.demo.hyperpod_fakes import install_update_cluster
from sagecheck.demo.scenario import ACCOUNT_ID, EXECUTION_ROLE_ARN, simulated_account
from sagecheck.errors import InputError
from sagecheck.iam.generate import Scope
from sagecheck.pricing import PriceBook, bundled
from sagecheck.records import Origin
from sagecheck.registry import BY_NAME
from sagecheck.registry.hyperpod import cluster_record
from sagecheck.session import OperationNotAllowed, read_only_clients

UTC = dt.timezone.utc
AS_OF = dt.datetime(2025, 5, 20, 12, tzinfo=UTC)  # a Tuesday
REGION = "eu-west-1"
WRITES = {"AddTags", "DeleteTags", "UpdateCluster"}
AWS_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")
SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
# controller 1, workers 3 of which 2 are up (CurrentCount < TargetCount), inference 2
THREE_GROUPS = [("controller", "ml.m5.xlarge", 1), ("workers", "ml.g5.8xlarge", 3), ("inference", "ml.g5.2xlarge", 2)]


# --- the simulated account --------------------------------------------------------------------------------


class World:
    def __init__(self, account):
        self.account = account
        self.fake = install_update_cluster(account.fakes)
        self.admin = account.new_admin_session(REGION).client("sagemaker")

    def clients(self):
        """Fresh control clients on a fresh session, as the CLI makes them."""
        return hc.control_clients(self.account.new_admin_session(REGION))

    def add_cluster(self, name: str, groups, tags: dict | None = None) -> None:
        self.admin.create_cluster(
            ClusterName=name,
            InstanceGroups=[
                {"InstanceGroupName": g, "InstanceType": t, "InstanceCount": n, "ExecutionRole": EXECUTION_ROLE_ARN,
                 "LifeCycleConfig": {"SourceS3Uri": f"s3://sagemaker-lifecycle/{name}/", "OnCreate": "on_create.sh"},
                 "ThreadsPerCore": 1}
                for g, t, n in groups
            ],
            VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d4e5f60718"], "Subnets": ["subnet-0123456789abcdef0"]},
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {"team": "research"}).items()],
        )

    def counts(self, name: str) -> dict[str, tuple[int, int]]:
        """{group: (TargetCount, CurrentCount)} as DescribeCluster reports them."""
        groups = self.admin.describe_cluster(ClusterName=name)["InstanceGroups"]
        return {g["InstanceGroupName"]: (g["TargetCount"], g["CurrentCount"]) for g in groups}

    def tags(self, name: str) -> dict[str, str]:
        arn = self.admin.describe_cluster(ClusterName=name)["ClusterArn"]
        return {t["Key"]: t["Value"] for t in self.admin.list_tags(ResourceArn=arn)["Tags"]}

    def nodes(self, name: str) -> int:
        return len(self.admin.list_cluster_nodes(ClusterName=name)["ClusterNodeSummaries"])

    def sent_writes(self) -> list[str]:
        """Write operations that reached the simulated AWS, from any session."""
        return [op for service, op in self.account.fake.calls if op in WRITES]


@pytest.fixture
def world():
    with simulated_account(AS_OF, regions=(REGION,), training_jobs=0) as account:  # no jobs: not needed here
        world = World(account)
        world.add_cluster("hp-three", THREE_GROUPS)
        moto_state.set_cluster_groups(ACCOUNT_ID, REGION, "hp-three",
                                      {"controller": (1, 1), "workers": (2, 3), "inference": (2, 2)})
        yield world


GROUP_SPEC = [{"InstanceGroupName": "workers", "InstanceCount": 0, "ExecutionRole": EXECUTION_ROLE_ARN}]


def writes(clients) -> set[str]:
    return {op for (_, op), n in clients.calls.items() if op in WRITES and n}


# --- the round trip ---------------------------------------------------------------------------------------


def test_stop_then_start_restores_every_group_exactly(world):
    before = world.counts("hp-three")
    assert before == {"controller": (1, 1), "workers": (3, 2), "inference": (2, 2)}

    stopped = hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert stopped.applied and len(stopped.done) == 2
    assert world.counts("hp-three") == {"controller": (0, 0), "workers": (0, 0), "inference": (0, 0)}
    assert world.nodes("hp-three") == 0
    assert world.tags("hp-three") == {"team": "research", hc.SAVED_TAG: "v1 controller=1/1 workers=3/2 inference=2/2"}
    describe = world.admin.describe_cluster(ClusterName="hp-three")
    rtype = BY_NAME["hyperpod-cluster"]
    assert cluster_record(describe, Origin(rtype.name, REGION, ACCOUNT_ID), rtype).state == "stopped"  # as the scan sees it

    started = hc.start(world.clients(), REGION, "hp-three", yes=True)
    assert started.done[-1] == f"removed tag {hc.SAVED_TAG}"
    assert {g: target for g, (target, _) in world.counts("hp-three").items()} == {"controller": 1, "workers": 3, "inference": 2}
    assert world.nodes("hp-three") == 6
    assert world.tags("hp-three") == {"team": "research"}  # only our tag went, and nothing else was touched


def test_the_update_sends_every_group_unchanged_but_its_count(world):
    hc.stop(world.clients(), REGION, "hp-running", yes=True)
    [(_, request)] = [r for r in world.fake.requests if r[0] == "UpdateCluster"]
    assert set(request) == {"ClusterName", "InstanceGroups"}
    described = {"controller": "ml.m5.xlarge", "workers": "ml.p4d.24xlarge"}
    for group in request["InstanceGroups"]:
        assert group["InstanceCount"] == 0
        assert group["InstanceType"] == described[group["InstanceGroupName"]]
        assert group["ExecutionRole"] == EXECUTION_ROLE_ARN and group["ThreadsPerCore"] == 1
        assert group["LifeCycleConfig"]["OnCreate"] == "on_create.sh"


def test_start_with_counts_brings_up_a_cluster_that_was_never_stopped_by_sagecheck(world):
    assert world.counts("hp-stopped") == {"controller": (0, 0), "workers": (0, 0)}
    outcome = hc.start(world.clients(), REGION, "hp-stopped", counts={"controller": 1, "workers": 2}, yes=True)
    assert outcome.plan.delete_tag is False
    assert world.counts("hp-stopped") == {"controller": (1, 1), "workers": (2, 2)}
    assert world.nodes("hp-stopped") == 3


def test_counts_override_the_saved_ones_for_the_groups_named(world):
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    hc.start(world.clients(), REGION, "hp-three", counts={"workers": 5}, yes=True)
    assert {g: t for g, (t, _) in world.counts("hp-three").items()} == {"controller": 1, "workers": 5, "inference": 2}
    assert hc.SAVED_TAG not in world.tags("hp-three")


def test_many_groups_split_the_saved_counts_over_numbered_tags(world):
    groups = [(f"group-{i:02d}-" + "x" * 40, "ml.c5.large", 1 + i % 3) for i in range(12)]
    world.add_cluster("hp-wide", groups)
    hc.stop(world.clients(), REGION, "hp-wide", yes=True)
    tags = world.tags("hp-wide")
    parts = sorted(k for k in tags if k.startswith(hc.SAVED_TAG))
    assert parts == [hc.SAVED_TAG, f"{hc.SAVED_TAG}:2", f"{hc.SAVED_TAG}:3"]
    assert tags[hc.SAVED_TAG].startswith("v1 parts:3 ")
    assert all(AWS_TAG_VALUE.match(tags[k]) for k in parts)  # and the fake enforces AWS's rules on AddTags
    hc.start(world.clients(), REGION, "hp-wide", yes=True)
    assert {g: t for g, (t, _) in world.counts("hp-wide").items()} == {g: n for g, _, n in groups}
    assert not any(k.startswith(hc.SAVED_TAG) for k in world.tags("hp-wide"))


def test_compact_json_would_be_rejected_by_sagemaker(world):
    """Why the tag is not JSON: SageMaker tag values allow no braces, quotes or commas."""
    arn = world.admin.describe_cluster(ClusterName="hp-running")["ClusterArn"]
    with pytest.raises(world.admin.exceptions.ClientError, match="regular expression"):
        world.admin.add_tags(ResourceArn=arn, Tags=[{"Key": hc.SAVED_TAG, "Value": json.dumps({"workers": [2, 2]})}])


# --- safe by default: the dry run ---------------------------------------------------------------------------


def test_the_default_is_a_dry_run_that_writes_nothing(world):
    clients = world.clients()
    stop = hc.stop(clients, REGION, "hp-three", prices=bundled())
    start = hc.start(clients, REGION, "hp-stopped", counts={"workers": 1})
    schedule = hc.set_schedule(clients, REGION, "hp-three", hc.schedules.parse_schedule("weekdays 08:00-20:00 UTC"))
    rows = hc.apply_schedules(clients, [REGION], dt.datetime(2025, 5, 24, 12, tzinfo=UTC))  # Saturday: wants off
    assert not stop.applied and stop.plan.update and stop.plan.write_tag
    assert not start.applied and start.plan.update
    assert not schedule.applied and schedule.new
    assert [r.outcome for r in rows] == ["stop"]
    assert writes(clients) == set() and world.sent_writes() == []
    assert set(clients.calls) <= {("sagemaker", op) for op in ("DescribeCluster", "ListTags", "ListClusters")}
    assert world.counts("hp-three")["workers"] == (3, 2) and hc.SAVED_TAG not in world.tags("hp-three")


def test_the_plan_prints_group_from_to_and_cost_with_unpriced_as_unknown(world):
    prices = PriceBook("test", {(REGION, "cluster", "ml.m5.xlarge"): 0.25, (REGION, "cluster", "ml.g5.8xlarge"): 2.5})
    plan = hc.stop(world.clients(), REGION, "hp-three", prices=prices).plan
    text = render_plan(plan, applied=False, done=[])
    assert re.search(r"controller\s+ml\.m5\.xlarge\s+1\s+0\s+\$0\.25", text)
    assert re.search(r"workers\s+ml\.g5\.8xlarge\s+3\s+0\s+\$7\.50", text)
    assert re.search(r"inference\s+ml\.g5\.2xlarge\s+2\s+0\s+unknown", text)
    assert "total per hour saved: $7.75 + unknown (1 unpriced)" in text
    assert "dry run, nothing changed; add --yes to apply" in text
    assert f"tag {hc.SAVED_TAG} = 'v1 controller=1/1 workers=3/2 inference=2/2'" in text
    assert plan.to_dict()["hourly_usd"] is None and plan.to_dict()["hourly_usd_priced"] == 7.75
    unpriced = render_plan(hc.stop(world.clients(), REGION, "hp-three", prices=bundled()).plan, False, [])
    assert "$0.00" not in unpriced and "total per hour saved: unknown (3 group(s) unpriced)" in unpriced


# --- refusals (exit 2) and idempotence --------------------------------------------------------------------


def test_refuses_a_cluster_that_is_not_in_service(world):
    moto_state.update(ACCOUNT_ID, REGION, "hyperpod-cluster", "hp-running", ClusterStatus="Updating")
    clients = world.clients()
    for action in (hc.stop, hc.start):
        with pytest.raises(hc.Refusal, match="hp-running is Updating, not InService"):
            action(clients, REGION, "hp-running", yes=True)
    assert writes(clients) == set()


def test_refuses_to_stop_a_stopped_cluster(world):
    with pytest.raises(hc.Refusal, match="hp-stopped is already stopped: every instance group is at 0$"):
        hc.stop(world.clients(), REGION, "hp-stopped", yes=True)


def test_refuses_to_start_without_saved_counts_unless_given(world):
    clients = world.clients()
    with pytest.raises(hc.Refusal, match=r"hp-stopped has no saved counts \(tag sagecheck:saved-counts\); give --counts"):
        hc.start(clients, REGION, "hp-stopped", yes=True)
    with pytest.raises(hc.Refusal, match="has no instance group gpu"):
        hc.start(clients, REGION, "hp-stopped", counts={"gpu": 1}, yes=True)
    assert writes(clients) == set()


def test_refuses_an_unreadable_saved_tag(world):
    arn = world.admin.describe_cluster(ClusterName="hp-running")["ClusterArn"]
    world.admin.add_tags(ResourceArn=arn, Tags=[{"Key": hc.SAVED_TAG, "Value": "v1 parts:2 controller=1/1"}])
    with pytest.raises(hc.Refusal, match="unreadable .part sagecheck:saved-counts:2 is missing"):
        hc.start(world.clients(), REGION, "hp-running", yes=True)


def test_an_unknown_cluster_is_bad_input(world):
    with pytest.raises(InputError, match="no HyperPod cluster 'nope' in eu-west-1"):
        hc.stop(world.clients(), REGION, "nope")


def test_running_each_command_twice_does_no_harm(world):
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    clients = world.clients()
    with pytest.raises(hc.Refusal, match=f"already stopped: every instance group is at 0; its counts are saved in tag {hc.SAVED_TAG}"):
        hc.stop(clients, REGION, "hp-three", yes=True)
    assert hc.decode_saved_counts(world.tags("hp-three")) == {"controller": (1, 1), "workers": (3, 2), "inference": (2, 2)}
    hc.start(world.clients(), REGION, "hp-three", yes=True)
    again = hc.start(clients, REGION, "hp-three", yes=True)
    assert again.plan.nothing_to_do and again.done == []
    assert writes(clients) == set()


# --- failures half-way, and the re-run that completes them ------------------------------------------------


def test_a_failed_scale_down_keeps_the_tag_and_a_rerun_completes_it(world):
    world.fake.fail_on("UpdateCluster", 1, FakeError("ResourceLimitExceeded", "account limit"))
    with pytest.raises(hc.ControlFailed) as failed:
        hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert "UpdateCluster hp-three failed (ResourceLimitExceeded: account limit)" in str(failed.value)
    assert "the counts are saved in tag sagecheck:saved-counts; re-run" in str(failed.value)
    assert "re-run `sagecheck hyperpod stop hp-three --region eu-west-1 --yes`" in str(failed.value)
    assert world.counts("hp-three")["workers"] == (3, 2)
    assert hc.SAVED_TAG in world.tags("hp-three")

    clients = world.clients()
    rerun = hc.stop(clients, REGION, "hp-three", yes=True)
    assert not rerun.plan.write_tag and "its counts are kept" in rerun.plan.notes[0]
    assert writes(clients) == {"UpdateCluster"}
    hc.start(world.clients(), REGION, "hp-three", yes=True)
    assert {g: t for g, (t, _) in world.counts("hp-three").items()} == {"controller": 1, "workers": 3, "inference": 2}


def test_a_scale_down_that_half_happened_never_overwrites_the_saved_counts(world):
    # The first group reaches 0, then the call fails: a naive re-run would save controller=0.
    world.fake.fail_on("UpdateCluster", 1, FakeError("ResourceLimitExceeded", "capacity"), partial=True)
    with pytest.raises(hc.ControlFailed):
        hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert world.counts("hp-three")["controller"] == (0, 0) and world.counts("hp-three")["workers"] == (3, 2)
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert hc.decode_saved_counts(world.tags("hp-three"))["controller"] == (1, 1)
    hc.start(world.clients(), REGION, "hp-three", yes=True)
    assert {g: t for g, (t, _) in world.counts("hp-three").items()} == {"controller": 1, "workers": 3, "inference": 2}


def test_if_the_tag_cannot_be_written_nothing_is_scaled(world):
    world.fake.fail_on("AddTags", 1, FakeError("ThrottlingException", "Rate exceeded"))  # retried, then fails
    world.fake.fail_on("AddTags", 2, FakeError("AccessDeniedException", "not allowed"))
    with pytest.raises(hc.ControlFailed, match=r"AddTags sagecheck:saved-counts failed \(AccessDeniedException: not allowed\); no instance group was scaled"):
        hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert world.fake.calls["UpdateCluster"] == 0
    assert world.counts("hp-three")["workers"] == (3, 2) and hc.SAVED_TAG not in world.tags("hp-three")


def test_a_failed_restore_keeps_the_tag_and_a_rerun_completes_it(world):
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    calls = world.fake.calls["UpdateCluster"]
    world.fake.fail_on("UpdateCluster", calls + 1, FakeError("ResourceLimitExceeded", "no g5 capacity"), partial=True)
    with pytest.raises(hc.ControlFailed, match="saved counts are still in tag sagecheck:saved-counts; re-run"):
        hc.start(world.clients(), REGION, "hp-three", yes=True)
    assert world.counts("hp-three")["controller"] == (1, 1) and world.counts("hp-three")["workers"] == (0, 0)
    assert hc.SAVED_TAG in world.tags("hp-three")
    hc.start(world.clients(), REGION, "hp-three", yes=True)
    assert {g: t for g, (t, _) in world.counts("hp-three").items()} == {"controller": 1, "workers": 3, "inference": 2}
    assert hc.SAVED_TAG not in world.tags("hp-three")


def test_a_tag_left_after_a_restore_is_removed_by_the_rerun(world):
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    world.fake.fail_on("DeleteTags", world.fake.calls["DeleteTags"] + 1)
    with pytest.raises(hc.ControlFailed, match="the counts are restored but the tag may still be there"):
        hc.start(world.clients(), REGION, "hp-three", yes=True)
    clients = world.clients()
    rerun = hc.start(clients, REGION, "hp-three", yes=True)
    assert not rerun.plan.update and rerun.plan.delete_tag
    assert writes(clients) == {"DeleteTags"}
    assert hc.SAVED_TAG not in world.tags("hp-three")


def test_a_transient_server_error_is_retried_and_the_result_is_the_same(world):
    world.fake.fail_on("UpdateCluster", 1, FakeError("InternalFailure", "try again", status=500))
    clients = world.clients()
    hc.stop(clients, REGION, "hp-three", yes=True)
    assert world.fake.calls["UpdateCluster"] == 2 and clients.calls[("sagemaker", "UpdateCluster")] == 1
    assert world.counts("hp-three")["workers"] == (0, 0)


def test_a_busy_cluster_is_refused_by_aws_too(world):
    busy = install_update_cluster(world.account.fakes, settle=False)  # updates leave the cluster Updating
    hc.stop(world.clients(), REGION, "hp-three", yes=True)
    assert world.admin.describe_cluster(ClusterName="hp-three")["ClusterStatus"] == "Updating"
    assert world.counts("hp-three")["workers"] == (0, 2)  # target 0, nodes still draining
    with pytest.raises(hc.Refusal, match="Updating, not InService"):
        hc.start(world.clients(), REGION, "hp-three", yes=True)
    busy.settle("hp-three", REGION)
    assert world.counts("hp-three")["workers"] == (0, 0) and world.nodes("hp-three") == 0


# --- guards: neither path can reach the other's operations ------------------------------------------------


def test_the_read_only_clients_refuse_every_control_write(world):
    scan = read_only_clients(world.account.session)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:cluster/hp-running"
    sm = scan.client("sagemaker", REGION)
    for call in (lambda: sm.update_cluster(ClusterName="hp-running", InstanceGroups=GROUP_SPEC),
                 lambda: sm.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
                 lambda: sm.delete_tags(ResourceArn=arn, TagKeys=["team"])):
        with pytest.raises(OperationNotAllowed, match="not in the read-only catalog allow-list"):
            call()
    assert not {a for a in catalog.load().actions if a.split(":")[1] in WRITES}
    assert world.sent_writes() == []


def test_the_control_clients_refuse_everything_outside_their_allow_list(world):
    assert hc.WRITE_OPERATIONS == {("sagemaker", op) for op in
                                   ("DescribeCluster", "ListClusters", "ListTags", "AddTags", "DeleteTags", "UpdateCluster")}
    clients = world.clients()
    sm = clients.client("sagemaker", REGION)
    refused = [
        lambda: sm.delete_cluster(ClusterName="hp-running"),
        lambda: sm.create_cluster(ClusterName="x", InstanceGroups=GROUP_SPEC),
        lambda: sm.batch_delete_cluster_nodes(ClusterName="hp-running", NodeIds=["workers-0"]),
        lambda: sm.list_training_jobs(),
        lambda: sm.update_cluster_software(ClusterName="hp-running"),
        lambda: clients.client("sts", REGION).get_caller_identity(),
        lambda: clients.client("iam").list_roles(),
        lambda: clients.client("ec2", REGION).terminate_instances(InstanceIds=["i-1"]),
    ]
    sent = len(world.account.fake.calls)
    for call in refused:
        with pytest.raises(OperationNotAllowed, match="hyperpod-control write allow-list; refused before sending"):
            call()
    assert len(world.account.fake.calls) == sent  # nothing reached AWS
    assert world.counts("hp-running") == {"controller": (1, 1), "workers": (2, 2)}


def test_a_read_only_guard_elsewhere_does_not_leak_into_the_control_and_back(world):
    scan = read_only_clients(world.account.session)
    hc.stop(world.clients(), REGION, "hp-running", yes=True)  # its own fresh session: allowed
    with pytest.raises(OperationNotAllowed):
        scan.client("sagemaker", REGION).update_cluster(ClusterName="hp-running", InstanceGroups=GROUP_SPEC)
    assert scan.client("sagemaker", REGION).describe_cluster(ClusterName="hp-running")["ClusterStatus"] == "InService"


# --- schedules --------------------------------------------------------------------------------------------


def test_schedule_stores_the_canonical_tag_and_can_remove_it(world):
    schedule = hc.schedules.make_schedule(["Mon-Fri 08:00"], ["Mon-Fri 20:00"], "Europe/Berlin")
    change = hc.set_schedule(world.clients(), REGION, "hp-three", schedule, yes=True)
    assert change.applied and change.old is None
    assert world.tags("hp-three")[hc.SCHEDULE_TAG] == "on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=Europe/Berlin"
    clients = world.clients()
    assert not hc.set_schedule(clients, REGION, "hp-three", schedule, yes=True).applied  # unchanged: no write
    assert writes(clients) == set()
    hc.set_schedule(world.clients(), REGION, "hp-three", None, yes=True)
    assert hc.SCHEDULE_TAG not in world.tags("hp-three")


def test_apply_schedules_switches_out_of_phase_clusters_and_is_idempotent(world):
    saturday, monday = dt.datetime(2025, 5, 24, 12, tzinfo=UTC), dt.datetime(2025, 5, 26, 9, tzinfo=UTC)
    [row] = hc.apply_schedules(world.clients(), [REGION], saturday, yes=True)  # hp-running: 'weekdays 08:00-20:00 UTC'
    assert (row.cluster, row.wanted, row.outcome) == ("hp-running", "off", "stop")
    assert world.counts("hp-running") == {"controller": (0, 0), "workers": (0, 0)}

    clients = world.clients()
    for at in (saturday, saturday + dt.timedelta(minutes=15)):  # cron, every 15 minutes
        [row] = hc.apply_schedules(clients, [REGION], at, yes=True)
        assert row.outcome == "in phase" and row.message == "next: on at 2025-05-26 08:00 UTC"
    assert writes(clients) == set()

    [row] = hc.apply_schedules(world.clients(), [REGION], monday, yes=True)
    assert (row.wanted, row.outcome) == ("on", "start")
    assert world.counts("hp-running") == {"controller": (1, 1), "workers": (2, 2)}
    assert hc.SAVED_TAG not in world.tags("hp-running")
    clients = world.clients()
    [row] = hc.apply_schedules(clients, [REGION], monday + dt.timedelta(minutes=15), yes=True)
    assert row.outcome == "in phase" and writes(clients) == set()


def test_apply_schedules_completes_a_half_done_switch(world):
    world.fake.fail_on("UpdateCluster", 1)
    [row] = hc.apply_schedules(world.clients(), [REGION], dt.datetime(2025, 5, 24, 12, tzinfo=UTC), yes=True)
    assert row.outcome == "error" and "UpdateCluster hp-running failed" in row.message
    [row] = hc.apply_schedules(world.clients(), [REGION], dt.datetime(2025, 5, 24, 12, 15, tzinfo=UTC), yes=True)
    assert row.outcome == "stop" and world.counts("hp-running")["workers"] == (0, 0)


def test_one_bad_cluster_does_not_stop_the_others(world):
    world.add_cluster("hp-bad", [("workers", "ml.c5.large", 1)], {hc.SCHEDULE_TAG: "whenever"})
    world.add_cluster("hp-nocounts", [("workers", "ml.c5.large", 0)], {hc.SCHEDULE_TAG: "daily 00:00-23:59 UTC"})
    rows = {r.cluster: r for r in hc.apply_schedules(world.clients(), [REGION], dt.datetime(2025, 5, 24, 12, tzinfo=UTC), yes=True)}
    assert rows["hp-bad"].outcome == "error" and "tag sagecheck:schedule" in rows["hp-bad"].message
    assert rows["hp-nocounts"].outcome == "error" and "no saved counts" in rows["hp-nocounts"].message
    assert rows["hp-running"].outcome == "stop" and world.counts("hp-running")["workers"] == (0, 0)
    assert "hp-three" not in rows and "hp-stopped" not in rows  # no schedule tag: never touched


# --- pure planning ----------------------------------------------------------------------------------------


def state(groups, tags=None, status="InService", **extra) -> hc.ClusterState:
    return hc.ClusterState("c", f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:cluster/c", REGION, status,
                           tuple({"InstanceGroupName": g, "InstanceType": "ml.c5.large", "TargetCount": t,
                                  "CurrentCount": c, **extra} for g, t, c in groups), tags or {})


def test_saved_counts_round_trip_in_one_tag():
    counts = {"controller": (1, 1), "workers": (12, 11)}
    tags = hc.encode_saved_counts(counts)
    assert tags == {hc.SAVED_TAG: "v1 controller=1/1 workers=12/11"}
    assert hc.decode_saved_counts(tags) == counts
    assert hc.decode_saved_counts({"team": "x"}) is None


def test_saved_counts_split_within_the_tag_value_limit():
    counts = {f"g{i:03d}-" + "y" * 58: (i, i) for i in range(100)}  # 100 groups with 63-character names
    tags = hc.encode_saved_counts(counts)
    assert len(tags) > 20 and all(len(v) <= 256 and AWS_TAG_VALUE.match(v) for v in tags.values())
    assert all(len(k) <= 128 for k in tags)
    assert hc.decode_saved_counts({**tags, "other": "x"}) == counts
    assert list(hc.decode_saved_counts(tags)) == list(counts)  # group order kept


@pytest.mark.parametrize(
    "value, why",
    [
        ("controller=1/1", "does not start with 'v1'"),
        ("v2 controller=1/1", "does not start with 'v1'"),
        ("v1", "names no instance group"),
        ("v1 controller=1", "bad or repeated entry 'controller=1'"),
        ("v1 a=1/1 a=2/2", "bad or repeated entry 'a=2/2'"),
        ("v1 parts:1 a=1/1", "bad part count '1'"),
        ('v1 {"a": 1}', "bad or repeated entry"),
    ],
)
def test_a_corrupt_saved_tag_is_never_guessed_at(value, why):
    with pytest.raises(ValueError, match=re.escape(why)):
        hc.decode_saved_counts({hc.SAVED_TAG: value})


@pytest.mark.parametrize(
    "text, counts",
    [("controller=1,workers=4", {"controller": 1, "workers": 4}), (" workers = 0 ", {"workers": 0})],
)
def test_parse_counts(text, counts):
    assert hc.parse_counts(text) == counts


@pytest.mark.parametrize(
    "text, message",
    [("workers", "expected group=N"), ("workers=-1", "expected group=N"), ("workers=two", "expected group=N"),
     ("a=1,a=2", "given twice"), ("a=7000", "6758-instance limit"), (",", "is empty"), ("bad_name=1", "expected group=N")],
)
def test_bad_counts(text, message):
    with pytest.raises(InputError, match=message):
        hc.parse_counts(text)


def test_stop_completes_a_partial_tag_but_never_replaces_a_saved_count_with_zero():
    saved = hc.encode_saved_counts({"a": (2, 2), "b": (3, 3)})
    plan = hc.plan_stop(state([("a", 0, 0), ("b", 3, 3), ("c", 1, 1)], saved))
    assert plan.tag_counts == {"a": (2, 2), "b": (3, 3), "c": (1, 1)} and plan.write_tag
    manual = hc.plan_stop(state([("a", 5, 5), ("b", 3, 3)], saved))  # scaled by hand since: the live count wins
    assert manual.tag_counts == {"a": (5, 5), "b": (3, 3)}


def test_refusals_are_input_errors_that_name_the_cause():
    cases = [
        (lambda: hc.plan_stop(state([("a", 1, 1)], status="Failed")), "c is Failed, not InService"),
        (lambda: hc.plan_stop(state([])), "c has no instance groups"),
        (lambda: hc.plan_stop(state([("a", 2, 2)], MinCount=1)), "group a has a minimum count of 1"),
        (lambda: hc.plan_stop(hc.ClusterState("c", "arn", REGION, "InService", ({"InstanceGroupName": "a", "TargetCount": 1},), {}, True)),
         "restricted instance groups"),
        (lambda: hc.plan_start(state([("a", 0, 0)])), "c has no saved counts"),
    ]
    for plan, message in cases:
        with pytest.raises(hc.Refusal, match=message):
            plan()
        assert issubclass(hc.Refusal, InputError)


def test_start_notes_groups_that_changed_while_stopped():
    saved = hc.encode_saved_counts({"a": (2, 2), "gone": (4, 4)})
    plan = hc.plan_start(state([("a", 0, 0), ("new", 1, 1)], saved))
    assert {c.group: c.to for c in plan.changes} == {"a": 2, "new": 1}
    assert plan.notes == ("saved group gone no longer exists; skipped", "group new has no saved count; it stays at 1")


def test_start_of_a_running_cluster_without_a_tag_is_a_no_op():
    plan = hc.plan_start(state([("a", 2, 2)]))
    assert plan.nothing_to_do and "nothing to do" in plan.notes[0]


RICH_GROUP = {
    "CurrentCount": 4, "TargetCount": 4, "MinCount": 1, "InstanceGroupName": "gpu",
    "InstanceRequirements": {"CurrentInstanceTypes": ["ml.p5.48xlarge"],
                             "DesiredInstanceTypes": ["ml.p5.48xlarge", "ml.p4d.24xlarge"]},
    "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/eks/", "OnCreate": "on_create.sh"},
    "ExecutionRole": "arn:aws:iam::123456789012:role/hp", "ThreadsPerCore": 2,
    "InstanceStorageConfigs": [{"EbsVolumeConfig": {"VolumeSizeInGB": 500}}],
    "OnStartDeepHealthChecks": ["InstanceStress"], "Status": "InService",
    "TrainingPlanArn": "arn:aws:sagemaker:eu-west-1:123456789012:training-plan/p5", "TrainingPlanStatus": "Active",
    "OverrideVpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    "ScheduledUpdateConfig": {"ScheduleExpression": "cron(0 4 ? * SUN *)"},
    "CurrentImageId": "ami-0old", "DesiredImageId": "ami-0new",
    "CurrentImageReleaseVersion": "1.2.3", "DesiredImageReleaseVersion": "1.2.4",
    "KubernetesConfig": {"CurrentLabels": {"team": "a"}, "DesiredLabels": {"team": "b"},
                         "CurrentTaints": [{"Key": "gpu", "Value": "true", "Effect": "NoSchedule"}],
                         "DesiredTaints": [{"Key": "gpu", "Value": "true", "Effect": "NoExecute"}]},
}


def test_the_update_request_keeps_the_full_specification_of_a_rich_group():
    describe = {"ClusterArn": "arn:aws:sagemaker:eu-west-1:123456789012:cluster/abcdef123456", "ClusterName": "eks",
                "ClusterStatus": "InService", "InstanceGroups": [RICH_GROUP]}
    report = ParamValidator().validate(describe, SAGEMAKER.operation_model("DescribeCluster").output_shape)
    assert not report.has_errors(), report.generate_report()
    request = hc.update_request(hc.ClusterState.from_describe(describe, {}, REGION), {"gpu": 6})
    report = ParamValidator().validate(request, SAGEMAKER.operation_model("UpdateCluster").input_shape)
    assert not report.has_errors(), report.generate_report()
    [group] = request["InstanceGroups"]
    assert group["InstanceCount"] == 6 and group["MinInstanceCount"] == 1
    assert group["InstanceRequirements"] == {"InstanceTypes": ["ml.p5.48xlarge", "ml.p4d.24xlarge"]}  # the desired
    assert group["KubernetesConfig"] == {"Labels": {"team": "b"},
                                         "Taints": [{"Key": "gpu", "Value": "true", "Effect": "NoExecute"}]}
    assert (group["ImageId"], group["ImageReleaseVersion"]) == ("ami-0new", "1.2.4")  # omitted would mean "latest"
    for member in ("LifeCycleConfig", "ExecutionRole", "ThreadsPerCore", "InstanceStorageConfigs", "TrainingPlanArn",
                   "OverrideVpcConfig", "ScheduledUpdateConfig", "OnStartDeepHealthChecks"):
        assert group[member] == RICH_GROUP[member]
    assert not {"Status", "TargetCount", "CurrentCount", "TrainingPlanStatus", "CurrentImageId"} & set(group)
    with pytest.raises(hc.Refusal, match="minimum count of 1"):  # and stop would not drop below MinCount
        hc.plan_stop(hc.ClusterState.from_describe(describe, {}, REGION))


# --- the least-privilege write policy ---------------------------------------------------------------------

SCOPES = [Scope(), Scope(regions=("eu-west-1", "us-east-1"), account=ACCOUNT_ID), Scope(partition="aws-us-gov", regions=("us-gov-west-1",))]


def test_policy_entries_are_exactly_the_five_actions_on_cluster_arns():
    entries = hc.hyperpod_policy_entries()
    assert sorted(e.action for e in entries) == ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:DescribeCluster",
                                                 "sagemaker:ListTags", "sagemaker:UpdateCluster"]
    assert {e.resource_arns for e in entries} == {("arn:${Partition}:sagemaker:${Region}:${Account}:cluster/${ClusterId}",)}


@pytest.mark.parametrize("tag_key", [None, "sagecheck:managed"])
@pytest.mark.parametrize("scope", SCOPES, ids=["wide", "narrow", "gov"])
def test_policy_passes_parliament(scope, tag_key):
    [document] = hc.hyperpod_policy_documents(scope, tag_key)
    findings = parliament.analyze_policy_string(json.dumps(document)).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_policy_scopes_and_conditions():
    [document] = hc.hyperpod_policy_documents(SCOPES[1], "sagecheck:managed")
    switch, tags = document["Statement"]
    arns = ["arn:aws:sagemaker:eu-west-1:123456789012:cluster/*", "arn:aws:sagemaker:us-east-1:123456789012:cluster/*"]
    assert (switch["Sid"], switch["Action"], switch["Resource"]) == (
        "HyperPodSwitch", ["sagemaker:DescribeCluster", "sagemaker:ListTags", "sagemaker:UpdateCluster"], arns)
    assert (tags["Sid"], tags["Action"], tags["Resource"]) == ("HyperPodOwnTags", ["sagemaker:AddTags", "sagemaker:DeleteTags"], arns)
    opted_in = {"Null": {"aws:ResourceTag/sagecheck:managed": "false"}}
    assert switch["Condition"] == opted_in
    assert tags["Condition"] == {**opted_in, "ForAllValues:StringLike": {
        "aws:TagKeys": ["sagecheck:saved-counts", "sagecheck:saved-counts:*", "sagecheck:schedule"]}}
    [unconditional] = hc.hyperpod_policy_documents(Scope())
    assert "Condition" not in unconditional["Statement"][0] and "Null" not in unconditional["Statement"][1]["Condition"]


@pytest.mark.parametrize(
    "tag_key, message",
    [("aws:createdBy", "not a valid tag key"), ("a,b", "not a valid tag key"), ("x" * 129, "not a valid tag key"),
     ("sagecheck:schedule", "sagecheck writes that tag itself"), ("sagecheck:saved-counts:2", "writes that tag itself")],
)
def test_bad_opt_in_tag_keys(tag_key, message):
    with pytest.raises(InputError, match=message):
        hc.hyperpod_policy_documents(Scope(), tag_key)


def test_emit_json_to_stdout_and_file(tmp_path, capsys):
    assert hc.emit_hyperpod_policy("json", Scope(), None, "sagecheck:managed") == ""
    assert json.loads(capsys.readouterr().out) == hc.hyperpod_policy_documents(Scope(), "sagecheck:managed")[0]
    out = tmp_path / "hyperpod.json"
    assert "wrote the hyperpod-control policy" in hc.emit_hyperpod_policy("json", Scope(), out)
    assert json.loads(out.read_text())["Statement"][0]["Sid"] == "HyperPodSwitch"
    with pytest.raises(InputError, match="json or terraform"):
        hc.emit_hyperpod_policy("cloudformation", Scope(), out)
    with pytest.raises(InputError, match="needs --out DIR"):
        hc.emit_hyperpod_policy("terraform", Scope(), None)


def test_terraform_reads_back_the_same_actions_and_conditions(tmp_path):
    files = hc.render_hyperpod_terraform(SCOPES[1], "sagecheck:managed")
    assert sorted(files) == ["main.tf", "outputs.tf", "variables.tf", "versions.tf"]
    parsed = hcl2.loads(files["main.tf"], serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False))
    statements = parsed["data"][0]["aws_iam_policy_document"]["hyperpod_control"]["statement"]
    actions = sorted(a for s in statements for a in s["actions"])
    assert actions == sorted(hc.POLICY_ACTIONS)
    variables = hcl2.loads(files["variables.tf"], serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False))
    defaults = {name: body["default"] for v in variables["variable"] for name, body in v.items()}
    assert defaults["opt_in_tag_key"] == "sagecheck:managed" and defaults["account_id"] == ACCOUNT_ID


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory):
    return terraform_env(tmp_path_factory)


@needs_terraform
@pytest.mark.parametrize("tag_key", [None, "sagecheck:managed"])
def test_terraform_fmt_is_canonical(tmp_path, tf_env, tag_key):
    hc.emit_hyperpod_policy("terraform", SCOPES[1], tmp_path / "module", tag_key)
    terraform(tf_env, tmp_path / "module", "fmt", "-check", "-diff")


ROOT_MODULE = OFFLINE_PROVIDER + """
module "opted_in" {
  source = "%(source)s"
}

module "any_cluster" {
  source         = "%(source)s"
  opt_in_tag_key = null
}
"""


@needs_terraform
@needs_plugins
def test_terraform_validates_and_plans_the_same_policies_as_the_json(tmp_path, tf_env):
    module = tmp_path / "module"
    hc.emit_hyperpod_policy("terraform", SCOPES[1], module, "sagecheck:managed")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(ROOT_MODULE % {"source": module})
    terraform(tf_env, root, "init", "-backend=false", f"-plugin-dir={PLUGINS}", "-input=false")
    terraform(tf_env, root, "validate")  # the root and the module in it
    terraform(tf_env, root, "plan", "-input=false", "-out=plan.bin")
    shown = json.loads(terraform(tf_env, root, "show", "-json", "plan.bin").stdout)
    planned = {
        child["address"]: json.loads(r["values"]["policy"])
        for child in shown["planned_values"]["root_module"]["child_modules"]
        for r in child["resources"] if r["type"] == "aws_iam_policy"
    }

    def normal(document):
        def listed(value):
            return sorted([value] if isinstance(value, str) else value)

        return {s["Sid"]: (listed(s["Action"]), listed(s["Resource"]),
                           {op: {k: listed(v) for k, v in pairs.items()} for op, pairs in s.get("Condition", {}).items()})
                for s in document["Statement"]}

    assert normal(planned["module.opted_in"]) == normal(hc.hyperpod_policy_documents(SCOPES[1], "sagecheck:managed")[0])
    assert normal(planned["module.any_cluster"]) == normal(hc.hyperpod_policy_documents(SCOPES[1])[0])


# --- the CLI sub-app --------------------------------------------------------------------------------------


@pytest.fixture
def cli(world, monkeypatch):
    from sagecheck import cli_hyperpod

    monkeypatch.setattr(cli_hyperpod, "make_session", lambda profile=None, region=None: world.account.new_admin_session(region))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return CliRunner()


def test_cli_stop_is_a_dry_run_until_yes(cli, world):
    result = cli.invoke(hyperpod_app, ["stop", "hp-three", "--region", REGION])
    assert result.exit_code == 0, result.output
    assert "stop hp-three (eu-west-1, InService)" in result.output and "add --yes to apply" in result.output
    assert world.sent_writes() == []
    result = cli.invoke(hyperpod_app, ["stop", f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:cluster/hp-three", "--yes", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["applied"] and shown["done"][-1] == "UpdateCluster: controller=0, workers=0, inference=0"
    result = cli.invoke(hyperpod_app, ["start", "hp-three", "--yes"])
    assert result.exit_code == 0 and "removed tag sagecheck:saved-counts" in result.output


def test_cli_bad_input_and_refusals(cli, world):
    conflicting = cli.invoke(hyperpod_app, ["stop", "hp-three", "--yes", "--dry-run"])
    assert isinstance(conflicting.exception, InputError) and "contradict" in str(conflicting.exception)
    refused = cli.invoke(hyperpod_app, ["start", "hp-stopped"])
    assert isinstance(refused.exception, hc.Refusal)
    wrong_region = cli.invoke(hyperpod_app, ["stop", f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:cluster/x", "--region", "us-east-1"])
    assert "does not match" in str(wrong_region.exception)
    live = cli.invoke(hyperpod_app, ["stop", "hp-three", "--prices", "live"])
    assert "does not call the pricing API" in str(live.exception)


def test_cli_step_failure_exits_1_with_one_line(cli, world, capsys):
    from sagecheck.cli import main

    world.fake.fail_on("UpdateCluster", 1)
    assert main(["hyperpod", "stop", "hp-three", "--yes"]) == 1  # the entry point maps a failed step to exit 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sagecheck: error: UpdateCluster hp-three failed")


def test_cli_schedule_and_apply_schedules(cli, world):
    result = cli.invoke(hyperpod_app, ["schedule", "hp-three", "--on", "Mon-Fri 08:00", "--off", "Mon-Fri 20:00",
                                       "--tz", "Europe/Berlin", "--yes"])
    assert result.exit_code == 0, result.output
    assert "-> on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=Europe/Berlin" in result.output and "off 108 hours a week" in result.output
    result = cli.invoke(hyperpod_app, ["apply-schedules", "--regions", REGION, "--at", "2025-05-24T12:00:00Z"])
    assert result.exit_code == 0, result.output
    assert re.search(r"hp-running\s+off\s+stop \(dry run\)", result.output)
    assert re.search(r"hp-three\s+off\s+stop \(dry run\)", result.output)
    result = cli.invoke(hyperpod_app, ["apply-schedules", "--regions", REGION, "--at", "2025-05-24T12:00:00Z", "--yes", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {c["cluster"]: c["outcome"] for c in json.loads(result.output)["clusters"]} == {"hp-running": "stop", "hp-three": "stop"}
    bad = cli.invoke(hyperpod_app, ["schedule", "hp-three", "--on", "Mon-Fri 8am", "--off", "Mon-Fri 20:00"])
    assert isinstance(bad.exception, InputError) and "HH:MM" in str(bad.exception)


def test_cli_apply_schedules_exits_1_when_a_cluster_fails(cli, world):
    world.add_cluster("hp-bad", [("workers", "ml.c5.large", 1)], {hc.SCHEDULE_TAG: "whenever"})
    result = cli.invoke(hyperpod_app, ["apply-schedules", "--at", "2025-05-24T12:00:00Z"])
    assert result.exit_code == 1 and re.search(r"hp-bad\s+-\s+error", result.output)


def test_through_the_main_entry_point_a_refusal_is_exit_2_and_one_line(cli, world, monkeypatch, capsys):
    from sagecheck import cli as main_cli

    if not any(group.name == "hyperpod" for group in main_cli.app.registered_groups):
        monkeypatch.setattr(main_cli.app, "registered_groups", list(main_cli.app.registered_groups))
        main_cli.app.add_typer(hyperpod_app, name="hyperpod")
    assert main_cli.main(["hyperpod", "stop", "hp-stopped", "--region", REGION, "--yes"]) == 2
    err = capsys.readouterr().err
    assert err == "sagecheck: error: hp-stopped is already stopped: every instance group is at 0\n"
    assert main_cli.main(["hyperpod", "start", "hp-stopped", "--counts", "workers=x"]) == 2
    assert world.sent_writes() == []
