"""HyperPod on/off control: the only code in sagecheck that changes an account.

Planning is pure: a `ClusterState` (DescribeCluster + ListTags) goes in, a `Plan` comes out, or a `Refusal`
(exit 2). Applying is guarded: it runs on its own `Clients` whose allow-list holds exactly the operations
below, on a fresh session, never on the scan's read-only session.

stop:  write the counts to the cluster's tag, read them back, then UpdateCluster with every group at 0.
start: UpdateCluster with the saved counts, then delete the tag.
Both steps are idempotent, and the tag is written before anything is scaled and removed only after the
counts are restored, so a failure at any point leaves the counts in the account and a re-run completes it.

Saved-counts tag (`sagecheck:saved-counts`), one token per instance group, TargetCount/CurrentCount:
    v1 controller=1/1 workers=2/2
SageMaker tag values allow only letters, digits, spaces and `_ . : / = + - @` (so no JSON) and 256
characters. A longer value is split: the first part says how many parts there are, the others follow in
`sagecheck:saved-counts:2`, `:3`...:
    v1 parts:2 group-a=4/4 ...        (sagecheck:saved-counts)
    group-z=8/8 ...                   (sagecheck:saved-counts:2)
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import botocore.exceptions
import botocore.session
from botocore.exceptions import ClientError

from . import schedule as schedules
from .schedule import SCHEDULE_TAG, TAG_VALUE_LIMIT
from .errors import ControlFailed, InputError
from .session import Clients, describe_error, error_code, reachable

SAVED_TAG = "sagecheck:saved-counts"
MAX_INSTANCE_COUNT = 6758  # botocore's ClusterInstanceCount maximum
_VERSION = "v1"
_GROUP = r"[a-zA-Z0-9](?:-*[a-zA-Z0-9])*"  # ClusterInstanceGroupName
_TOKEN = re.compile(rf"^({_GROUP})=(\d+)/(\d+)$")

# The write allow-list: nothing else can be sent from the control's clients.
WRITE_OPERATIONS = frozenset(
    ("sagemaker", op)
    for op in ("DescribeCluster", "ListClusters", "ListTags", "AddTags", "DeleteTags", "UpdateCluster")
)


class Refusal(InputError):
    """The control will not act: not InService, already stopped, no saved counts... Exit 2, nothing changed."""


def control_clients(session) -> Clients:
    """The control's own guarded clients. Give it a fresh session: the guard applies to every client made
    from the session after this call (a read-only guard on the same session would refuse the writes)."""
    return Clients(session, WRITE_OPERATIONS, name="hyperpod-control write")


# --- the saved-counts tag ---------------------------------------------------------------------------------


def encode_saved_counts(counts: Mapping[str, tuple[int, int]]) -> dict[str, str]:
    """{group: (target, current)} -> the tags that hold it (one, or several parts when over 256 characters)."""
    tokens = [f"{group}={target}/{current}" for group, (target, current) in counts.items()]
    single = " ".join([_VERSION, *tokens])
    if len(single) <= TAG_VALUE_LIMIT:
        return {SAVED_TAG: single}
    header = len(f"{_VERSION} parts:99 ")
    chunks: list[list[str]] = [[]]
    for token in tokens:
        room = TAG_VALUE_LIMIT - (header if len(chunks) == 1 else 0)
        if chunks[-1] and len(" ".join(chunks[-1] + [token])) > room:
            chunks.append([])
        chunks[-1].append(token)
    values = [f"{_VERSION} parts:{len(chunks)} " + " ".join(chunks[0])] + [" ".join(c) for c in chunks[1:]]
    return {_part_key(i): value for i, value in enumerate(values, 1)}


def _part_key(number: int) -> str:
    return SAVED_TAG if number == 1 else f"{SAVED_TAG}:{number}"


def saved_tag_keys(tags: Mapping[str, str]) -> list[str]:
    """Every saved-counts key on a cluster, stale extra parts included."""
    return sorted(k for k in tags if k == SAVED_TAG or k.startswith(f"{SAVED_TAG}:"))


def decode_saved_counts(tags: Mapping[str, str]) -> dict[str, tuple[int, int]] | None:
    """The saved {group: (target, current)}, None when there is no tag; ValueError when it is unreadable."""
    if SAVED_TAG not in tags:
        return None
    tokens = tags[SAVED_TAG].split()
    if not tokens or tokens[0] != _VERSION:
        raise ValueError(f"it does not start with {_VERSION!r}")
    tokens = tokens[1:]
    if tokens and tokens[0].startswith("parts:"):
        count = tokens.pop(0).partition(":")[2]
        if not count.isdigit() or int(count) < 2:
            raise ValueError(f"bad part count {count!r}")
        for number in range(2, int(count) + 1):
            if _part_key(number) not in tags:
                raise ValueError(f"part {_part_key(number)} is missing")
            tokens += tags[_part_key(number)].split()
    counts: dict[str, tuple[int, int]] = {}
    for token in tokens:
        match = _TOKEN.match(token)
        if not match or match.group(1) in counts:
            raise ValueError(f"bad or repeated entry {token!r}")
        counts[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    if not counts:
        raise ValueError("it names no instance group")
    return counts


def parse_counts(text: str) -> dict[str, int]:
    """--counts 'controller=1,workers=4'."""
    counts: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        group, sep, number = item.partition("=")
        group = group.strip()
        if not sep or not re.fullmatch(_GROUP, group) or not number.strip().isdigit():
            raise InputError(f"--counts {text!r}: expected group=N,... with whole numbers, e.g. controller=1,workers=4")
        if group in counts:
            raise InputError(f"--counts {text!r}: {group} is given twice")
        if int(number) > MAX_INSTANCE_COUNT:
            raise InputError(f"--counts: {group}={number} is over the {MAX_INSTANCE_COUNT}-instance limit of a group")
        counts[group] = int(number)
    if not counts:
        raise InputError("--counts is empty: expected group=N,...")
    return counts


# --- cluster state and plans (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterState:
    name: str
    arn: str
    region: str
    status: str
    groups: tuple[dict, ...]  # DescribeCluster's InstanceGroups, as AWS returned them
    tags: Mapping[str, str]
    restricted: bool = False  # the cluster has RestrictedInstanceGroups, which the control does not switch

    @classmethod
    def from_describe(cls, describe: dict, tags: Mapping[str, str], region: str) -> "ClusterState":
        return cls(describe["ClusterName"], describe["ClusterArn"], region, describe.get("ClusterStatus", "unknown"),
                   tuple(describe.get("InstanceGroups") or ()), dict(tags),
                   bool(describe.get("RestrictedInstanceGroups")))

    def targets(self) -> dict[str, int]:
        return {g["InstanceGroupName"]: _target(g) for g in self.groups}

    @property
    def stopped(self) -> bool:
        """Every group asked to run 0 nodes (sagecheck's 'stopped' once the nodes are gone)."""
        return all(count == 0 for count in self.targets().values())


def _target(group: dict) -> int:
    return int(group.get("TargetCount", group.get("CurrentCount", 0)) or 0)


@dataclass(frozen=True)
class GroupChange:
    group: str
    instance_type: str | None
    current: int
    target: int  # "from"
    to: int
    rate: float | None  # USD per instance-hour, None when unpriced

    @property
    def hourly_usd(self) -> float | None:
        """Cost per hour saved (stop) or resumed (start); None (unknown) when unpriced, never $0."""
        if self.to == self.target:
            return 0.0
        return None if self.rate is None else self.rate * abs(self.to - self.target)


@dataclass(frozen=True)
class Plan:
    action: str  # "stop" or "start"
    cluster: ClusterState
    changes: tuple[GroupChange, ...]
    tag_counts: Mapping[str, tuple[int, int]] | None = None  # stop: what the saved-counts tag will hold
    write_tag: bool = False
    update: bool = False
    delete_tag: bool = False
    notes: tuple[str, ...] = ()

    @property
    def nothing_to_do(self) -> bool:
        return not (self.write_tag or self.update or self.delete_tag)

    def hourly(self) -> tuple[float, int]:
        """(known USD per hour, number of changing groups with no price)."""
        known = [c.hourly_usd for c in self.changes if c.hourly_usd is not None]
        return sum(known), sum(1 for c in self.changes if c.hourly_usd is None)

    def steps(self) -> list[str]:
        steps = []
        if self.write_tag:
            tags = encode_saved_counts(self.tag_counts or {})
            steps += [f"tag {key} = {value!r}" for key, value in tags.items()]
            steps.append("read the tag back and check it")
        if self.update:
            targets = ", ".join(f"{c.group}={c.to}" for c in self.changes)
            steps.append(f"UpdateCluster: {targets}")
        if self.delete_tag:
            steps.append(f"remove tag {', '.join(saved_tag_keys(self.cluster.tags))}")
        return steps

    def to_dict(self) -> dict:
        known, unpriced = self.hourly()
        return {
            "action": self.action,
            "cluster": self.cluster.name,
            "arn": self.cluster.arn,
            "region": self.cluster.region,
            "groups": [
                {"group": c.group, "instance_type": c.instance_type, "from": c.target, "to": c.to,
                 "current": c.current, "hourly_usd": c.hourly_usd}
                for c in self.changes
            ],
            "hourly_usd": None if unpriced else round(known, 6),  # None: some changing group is unpriced
            "hourly_usd_priced": round(known, 6),
            "unpriced_groups": unpriced,
            "steps": self.steps(),
            "notes": list(self.notes),
        }


def _changes(state: ClusterState, new: Mapping[str, int], prices) -> tuple[GroupChange, ...]:
    changes = []
    for group in state.groups:
        itype = group.get("InstanceType")
        rate = prices.rate(state.region, "cluster", itype) if prices is not None and itype else None
        name = group["InstanceGroupName"]
        changes.append(GroupChange(name, itype, int(group.get("CurrentCount") or 0), _target(group), new[name], rate))
    return tuple(changes)


def _saved(state: ClusterState) -> dict[str, tuple[int, int]] | None:
    try:
        return decode_saved_counts(state.tags)
    except ValueError as exc:
        raise Refusal(f"{state.name}: tag {SAVED_TAG} is unreadable ({exc}); "
                      "fix or remove it, then use start --counts") from None


def _check_switchable(state: ClusterState) -> None:
    if state.status != "InService":
        raise Refusal(f"{state.name} is {state.status}, not InService: sagecheck switches only InService clusters")
    if state.restricted:
        raise Refusal(f"{state.name} has restricted instance groups, which sagecheck does not switch")
    if not state.groups:
        raise Refusal(f"{state.name} has no instance groups to switch")


def _check_minimums(state: ClusterState, new: Mapping[str, int]) -> None:
    for group in state.groups:
        minimum = int(group.get("MinCount") or 0)
        if minimum > new[group["InstanceGroupName"]]:
            raise Refusal(f"{state.name}: group {group['InstanceGroupName']} has a minimum count of {minimum}; "
                          "sagecheck does not change minimums")


def plan_stop(state: ClusterState, prices=None) -> Plan:
    """Save every group's counts (completing a saved tag left by an earlier, interrupted stop), then 0."""
    _check_switchable(state)
    saved = _saved(state)
    if state.stopped:
        kept = f"; its counts are saved in tag {SAVED_TAG}" if saved else ""
        raise Refusal(f"{state.name} is already stopped: every instance group is at 0{kept}")
    zero = {name: 0 for name in state.targets()}
    _check_minimums(state, zero)
    counts = {}
    for group in state.groups:
        name, target = group["InstanceGroupName"], _target(group)
        current = int(group.get("CurrentCount") or 0)
        # A running group's live count is the latest intent; a group already at 0 keeps what was saved.
        counts[name] = (target, current) if target > 0 else (saved or {}).get(name, (0, current))
    notes = []
    if saved is not None:
        notes.append(f"an earlier stop left tag {SAVED_TAG}: "
                     + ("completing it" if counts != saved else "its counts are kept"))
    return Plan("stop", state, _changes(state, zero, prices), counts, write_tag=counts != saved, update=True,
                notes=tuple(notes))


def plan_start(state: ClusterState, prices=None, counts: Mapping[str, int] | None = None) -> Plan:
    """Restore the saved counts (or --counts over them), then remove the tag."""
    _check_switchable(state)
    saved = _saved(state)
    live = state.targets()
    unknown = sorted(set(counts or {}) - set(live))
    if unknown:
        raise Refusal(f"--counts: {state.name} has no instance group {', '.join(unknown)} (it has {', '.join(live)})")
    if saved is None and counts is None:
        if state.stopped:
            raise Refusal(f"{state.name} has no saved counts (tag {SAVED_TAG}); give --counts group=N,... to start it")
        note = f"{state.name} is running and has no saved counts: nothing to do"
        return Plan("start", state, _changes(state, live, prices), notes=(note,))
    restore = {name: target for name, (target, _) in (saved or {}).items() if name in live}
    restore.update(counts or {})
    new = {name: restore.get(name, count) for name, count in live.items()}
    _check_minimums(state, new)
    notes = [f"saved group {name} no longer exists; skipped" for name in sorted(set(saved or {}) - set(live))]
    notes += [f"group {name} has no saved count; it stays at {live[name]}" for name in live if name not in restore]
    return Plan("start", state, _changes(state, new, prices), update=new != live, delete_tag=saved is not None,
                notes=tuple(notes))


# --- the UpdateCluster request (pure) ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _group_spec_shape():
    return botocore.session.get_session().get_service_model("sagemaker").shape_for("ClusterInstanceGroupSpecification")


def _as_spec(shape, value):
    """A DescribeCluster value re-shaped as the request's member: same-named members are copied, and a
    member the response only reports as Current*/Desired* (labels, taints, image, patch schedule, instance
    types) takes the Desired one, the configuration the cluster converges to. Nothing else is sent."""
    if shape.type_name == "structure":
        out = {}
        for name, member in shape.members.items():
            source = name if name in value else f"Desired{name}"
            if source in value:
                out[name] = _as_spec(member, value[source])
        return out
    if shape.type_name == "list":
        return [_as_spec(shape.member, item) for item in value]
    return value


def update_request(state: ClusterState, counts: Mapping[str, int]) -> dict:
    """UpdateCluster needs every instance group's full specification: rebuild it from DescribeCluster and
    change only InstanceCount."""
    spec_shape = _group_spec_shape()
    groups = []
    for group in state.groups:
        spec = _as_spec(spec_shape, group)
        spec["InstanceCount"] = counts[group["InstanceGroupName"]]
        if group.get("MinCount") is not None:
            spec["MinInstanceCount"] = group["MinCount"]
        groups.append(spec)
    return {"ClusterName": state.name, "InstanceGroups": groups}


# --- talking to AWS (guarded) -----------------------------------------------------------------------------

@contextmanager
def _aws(step: str, after: str = "") -> Iterator[None]:
    """Turn a failed step into one line that says what state the cluster is in and what to do."""
    with reachable(f" during {step}{'; ' + after if after else ''}"):
        try:
            yield
        except ClientError as exc:
            raise ControlFailed(f"{step} failed ({describe_error(exc)}){'; ' + after if after else ''}") from None


def _tags(sm, arn: str) -> dict[str, str]:
    pages = sm.get_paginator("list_tags").paginate(ResourceArn=arn)
    return {t["Key"]: t["Value"] for page in pages for t in page.get("Tags", [])}


def read_cluster(clients: Clients, region: str, cluster: str, tags: Mapping[str, str] | None = None) -> ClusterState:
    """DescribeCluster and ListTags (unless the tags are given)."""
    sm = clients.client("sagemaker", region)
    with _aws(f"DescribeCluster {cluster}"):
        try:
            describe = sm.describe_cluster(ClusterName=cluster)
        except ClientError as exc:
            if error_code(exc) in ("ResourceNotFound", "ValidationException"):
                raise InputError(f"no HyperPod cluster {cluster!r} in {region} ({describe_error(exc)})") from None
            raise
    if tags is None:
        with _aws(f"ListTags {describe['ClusterArn']}"):
            tags = _tags(sm, describe["ClusterArn"])
    return ClusterState.from_describe(describe, tags, region)


def apply_plan(clients: Clients, plan: Plan) -> list[str]:
    """Carry the plan out, in the order that never loses the counts; returns the steps done."""
    state = plan.cluster
    sm = clients.client("sagemaker", state.region)
    rerun = f"re-run `sagecheck hyperpod {plan.action} {state.name} --region {state.region} --yes` to complete it"
    done: list[str] = []
    if plan.write_tag:
        tags = encode_saved_counts(plan.tag_counts or {})
        with _aws(f"AddTags {SAVED_TAG}", "no instance group was scaled"):
            sm.add_tags(ResourceArn=state.arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        done.append(f"saved counts in tag {', '.join(tags)}")
        with _aws("ListTags (checking the saved counts)", f"nothing was scaled; {rerun}"):
            written = _tags(sm, state.arn)
        if decode_saved_counts(written) != dict(plan.tag_counts or {}):
            raise ControlFailed(f"tag {SAVED_TAG} did not read back as written; nothing was scaled; {rerun}")
    if plan.update:
        counts = {c.group: c.to for c in plan.changes}
        # A timeout or 5xx leaves it unknown whether AWS applied the update; the re-run is right either way.
        after = (f"the counts are saved in tag {SAVED_TAG}; {rerun}" if plan.action == "stop"
                 else f"the saved counts are still in tag {SAVED_TAG}; {rerun}")
        with _aws(f"UpdateCluster {state.name}", after):
            sm.update_cluster(**update_request(state, counts))
        done.append("UpdateCluster: " + ", ".join(f"{g}={n}" for g, n in counts.items()))
    if plan.delete_tag:
        keys = saved_tag_keys(state.tags)
        with _aws(f"DeleteTags {SAVED_TAG}", f"the counts are restored but the tag may still be there; {rerun}"):
            sm.delete_tags(ResourceArn=state.arn, TagKeys=keys)
        done.append(f"removed tag {', '.join(keys)}")
    return done


@dataclass
class Outcome:
    plan: Plan
    applied: bool
    done: list[str] = field(default_factory=list)


def stop(clients: Clients, region: str, cluster: str, *, prices=None, yes: bool = False) -> Outcome:
    plan = plan_stop(read_cluster(clients, region, cluster), prices)
    return Outcome(plan, yes, apply_plan(clients, plan) if yes else [])


def start(clients: Clients, region: str, cluster: str, *, prices=None, counts: Mapping[str, int] | None = None,
          yes: bool = False) -> Outcome:
    plan = plan_start(read_cluster(clients, region, cluster), prices, counts)
    return Outcome(plan, yes, apply_plan(clients, plan) if yes and not plan.nothing_to_do else [])


# --- schedules --------------------------------------------------------------------------------------------


@dataclass
class ScheduleChange:
    cluster: ClusterState
    old: str | None
    new: str | None  # None: remove the schedule
    applied: bool = False


def set_schedule(clients: Clients, region: str, cluster: str, schedule: schedules.Schedule | None, *,
                 yes: bool = False) -> ScheduleChange:
    """Store (or with None, remove) the cluster's schedule tag."""
    state = read_cluster(clients, region, cluster)
    new = schedules.format_schedule(schedule) if schedule is not None else None
    change = ScheduleChange(state, state.tags.get(SCHEDULE_TAG), new)
    if not yes or change.old == change.new:
        return change
    sm = clients.client("sagemaker", region)
    with _aws(f"{'AddTags' if new else 'DeleteTags'} {SCHEDULE_TAG}", "the schedule was not changed"):
        if new is None:
            sm.delete_tags(ResourceArn=state.arn, TagKeys=[SCHEDULE_TAG])
        else:
            sm.add_tags(ResourceArn=state.arn, Tags=[{"Key": SCHEDULE_TAG, "Value": new}])
    change.applied = True
    return change


@dataclass
class ScheduledCluster:
    region: str
    cluster: str
    outcome: str  # "in phase", "stop", "start", "skipped" or "error"
    message: str = ""
    wanted: str | None = None
    plan: Plan | None = None
    done: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"region": self.region, "cluster": self.cluster, "outcome": self.outcome, "wanted": self.wanted,
                "message": self.message, "plan": self.plan.to_dict() if self.plan else None, "done": self.done}


def evaluate(state: ClusterState, at: dt.datetime, prices=None) -> ScheduledCluster:
    """What the cluster's schedule wants at `at`, and the plan that gets it there (pure)."""
    row = ScheduledCluster(state.region, state.name, "in phase")
    try:
        schedule = schedules.parse_schedule(state.tags[SCHEDULE_TAG])
    except InputError as exc:
        row.outcome, row.message = "error", f"tag {SCHEDULE_TAG}: {exc}"
        return row
    row.wanted = schedules.state_at(schedule, at)
    if state.status != "InService":
        row.outcome, row.message = "skipped", f"{state.status}, not InService; the next run will retry"
        return row
    try:
        if row.wanted == "off" and not state.stopped:
            row.plan = plan_stop(state, prices)
        elif row.wanted == "on" and (state.stopped or SAVED_TAG in state.tags):
            row.plan = plan_start(state, prices)
    except Refusal as exc:
        row.outcome, row.message = "error", str(exc)
        return row
    if row.plan is not None and not row.plan.nothing_to_do:
        row.outcome = row.plan.action
    else:
        row.plan = None
    when, action = schedules.next_switch(schedule, at)
    row.message = f"next: {action} at {when:%Y-%m-%d %H:%M} UTC"
    return row


def apply_schedules(clients: Clients, regions, at: dt.datetime, *, prices=None,
                    yes: bool = False) -> list[ScheduledCluster]:
    """Every cluster tagged with a schedule, evaluated at `at`; with yes, switched. One cluster's failure
    never stops the others."""
    rows: list[ScheduledCluster] = []
    for region in regions:
        sm = clients.client("sagemaker", region)
        try:
            with _aws(f"ListClusters in {region}"):
                pages = sm.get_paginator("list_clusters").paginate()
                summaries = [s for page in pages for s in page["ClusterSummaries"]]
        except ControlFailed as exc:
            rows.append(ScheduledCluster(region, "*", "error", str(exc)))
            continue
        for summary in summaries:
            name = summary["ClusterName"]
            try:
                with _aws(f"ListTags {name}"):
                    tags = _tags(sm, summary["ClusterArn"])
                if SCHEDULE_TAG not in tags:
                    continue
                row = evaluate(read_cluster(clients, region, name, tags), at, prices)
                if yes and row.plan is not None:
                    row.done = apply_plan(clients, row.plan)
            except (ControlFailed, InputError) as exc:
                row = ScheduledCluster(region, name, "error", str(exc))
            rows.append(row)
    return rows


# --- the least-privilege write policy ---------------------------------------------------------------------

CLUSTER_ARN = "arn:${Partition}:sagemaker:${Region}:${Account}:cluster/${ClusterId}"
POLICY_ACTIONS = ("sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:DescribeCluster", "sagemaker:ListTags",
                  "sagemaker:UpdateCluster")
_TAGGING = ("sagemaker:AddTags", "sagemaker:DeleteTags")
OWN_TAG_KEYS = (SAVED_TAG, f"{SAVED_TAG}:*", SCHEDULE_TAG)  # the only tag keys the control may write
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")


@dataclass(frozen=True)
class PolicyEntry:
    action: str
    resource_arns: tuple[str, ...]


def hyperpod_policy_entries() -> tuple[PolicyEntry, ...]:
    """The five actions of the control, each on cluster ARNs only. (apply-schedules also lists clusters:
    sagemaker:ListClusters takes no resource and is in the read-only onboarding policy.)"""
    return tuple(PolicyEntry(action, (CLUSTER_ARN,)) for action in POLICY_ACTIONS)


def _check_tag_key(tag_key: str | None) -> None:
    if tag_key is None:
        return
    if not _TAG_KEY.match(tag_key) or tag_key.lower().startswith("aws:"):
        raise InputError(f"--tag-key {tag_key!r}: not a valid tag key "
                         "(1-128 letters, digits, spaces, _.:/=+-@; not aws:)")
    if tag_key == SAVED_TAG or tag_key.startswith(f"{SAVED_TAG}:") or tag_key == SCHEDULE_TAG:
        raise InputError(f"--tag-key {tag_key}: sagecheck writes that tag itself, so it cannot be the opt-in; "
                         "choose another, e.g. sagecheck:managed")


def with_conditions(document: dict, tag_key: str | None = None) -> dict:
    """generate.policy_documents has no conditions: split off the tagging actions, allowed only on
    sagecheck's own tag keys, and with tag_key only on clusters that carry that tag (opted in)."""
    statements = []
    for statement in document["Statement"]:
        tagging = [a for a in statement["Action"] if a in _TAGGING]
        others = [a for a in statement["Action"] if a not in _TAGGING]
        if others:
            statements.append({**statement, "Sid": "HyperPodSwitch", "Action": others})
        if tagging:
            statements.append({**statement, "Sid": "HyperPodOwnTags", "Action": tagging,
                               "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": list(OWN_TAG_KEYS)}}})
    if tag_key:
        for statement in statements:
            statement.setdefault("Condition", {})["Null"] = {f"aws:ResourceTag/{tag_key}": "false"}
    return {**document, "Statement": statements}


def hyperpod_policy_documents(scope, tag_key: str | None = None) -> list[dict]:
    from .iam import generate

    _check_tag_key(tag_key)
    documents = generate.policy_documents(hyperpod_policy_entries(), scope)
    if len(documents) != 1 or len(documents[0]["Statement"]) != 1:
        raise AssertionError("the five cluster actions share one statement")
    return [with_conditions(documents[0], tag_key)]


def render_hyperpod_terraform(scope, tag_key: str | None = None) -> dict[str, str]:
    """A module with one policy; the opt-in tag is the variable opt_in_tag_key (default: tag_key)."""
    from .iam import generate

    [document] = hyperpod_policy_documents(scope)  # the opt-in condition is the module's dynamic block
    _check_tag_key(tag_key)
    hcl = generate._hcl_string
    statements = [
        {
            "sid": hcl(s["Sid"]),
            "actions": [hcl(a) for a in s["Action"]],
            "resources": generate._hcl_resources(s["Resource"]),
            "conditions": [
                {"test": hcl(test), "variable": hcl(key),
                 "value_list": ", ".join(hcl(v) for v in ([values] if isinstance(values, str) else values))}
                for test, pairs in s.get("Condition", {}).items()
                for key, values in pairs.items()
            ],
        }
        for s in document["Statement"]
    ]
    defaults = {
        "partition": hcl(scope.partition),
        "regions": "[" + ", ".join(hcl(r) for r in scope.regions) + "]",
        "account_id": hcl(scope.account),
        "opt_in_tag_key": "null" if tag_key is None else hcl(tag_key),
    }
    env = generate._environment("terraform")
    files = {"versions.tf": env.get_template("versions.tf.j2").render()}
    for name in ("variables.tf", "main.tf", "outputs.tf"):
        files[name] = env.get_template(f"hyperpod/{name}.j2").render(statements=statements, defaults=defaults)
    return files


def emit_hyperpod_policy(kind: str, scope, out: Path | None, tag_key: str | None = None) -> str:
    """`sagecheck policy --feature hyperpod-control`: the write policy as IAM JSON (stdout or file) or a
    Terraform module (folder). Returns a line for the user ('' when JSON went to stdout)."""
    from .iam import generate
    from .output import write_atomic

    if kind == "terraform":
        if out is None:
            raise InputError("--emit terraform needs --out DIR, the folder for the module")
        if Path(out).exists() and not Path(out).is_dir():
            raise InputError(f"--out {out}: exists and is not a folder")
        generate.write_terraform(render_hyperpod_terraform(scope, tag_key), Path(out))
        return f"wrote the hyperpod-control Terraform module to {out}"
    if kind != "json":
        raise InputError(f"--emit {kind!r}: the hyperpod-control policy is emitted as json or terraform")
    text = generate.render_json(hyperpod_policy_documents(scope, tag_key))
    if out is None:
        sys.stdout.write(text)
        return ""
    write_atomic(Path(out), text)
    return f"wrote the hyperpod-control policy to {out}"
