"""UpdateCluster, which moto lacks, and AddTags/DeleteTags as AWS does them, for the HyperPod control.

`install_update_cluster(account.fakes)` registers three handlers on the account's FakeAws, so they answer
on every session the fakes are installed on (the account's, and `new_admin_session()`'s):
- UpdateCluster really changes moto's cluster: TargetCount (and, once settled, CurrentCount and the nodes),
  so DescribeCluster and ListClusterNodes show the new counts. It answers as AWS would: ResourceNotFound,
  ConflictException unless InService, and ValidationException for a request that omits a group or would
  change anything of a group but its count (the control must send the full, unchanged specification).
- AddTags overwrites a key's value (moto 5.2.5 appends a duplicate) and enforces AWS's tag rules, which
  botocore does not check: values of at most 256 characters from letters, digits, spaces and _.:/=+-@,
  keys of at most 128, no aws: prefix, at most 50 tags on a resource.
- DeleteTags as moto does it, so that it can fail on demand too.

`fail_on(operation, nth, ...)` makes the nth call of an operation fail (optionally after applying part of
an UpdateCluster), to test a failure half-way and the re-run that completes it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any


from . import moto_state
from .fakes import FakeError
from .sagemaker_fakes import SageMakerFakes

_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")
MAX_TAGS = 50
# Members of an instance group that UpdateCluster must receive unchanged when only the count changes.
_UNCHANGED = ("InstanceType", "ExecutionRole", "LifeCycleConfig", "ThreadsPerCore", "InstanceStorageConfigs",
              "TrainingPlanArn", "OverrideVpcConfig")


@dataclass
class _Failure:
    error: FakeError
    partial: bool  # UpdateCluster: apply the first group's change, then fail


class HyperPodFake:
    def __init__(self, fakes: SageMakerFakes, settle: bool = True):
        self.fakes = fakes
        self.settle_immediately = settle  # False: UpdateCluster leaves the cluster Updating until settle()
        self.calls: Counter = Counter()
        self.requests: list[tuple[str, dict]] = []
        self._failures: dict[tuple[str, int], _Failure] = {}
        for operation, handler in (("UpdateCluster", self._update_cluster), ("AddTags", self._add_tags),
                                   ("DeleteTags", self._delete_tags)):
            fakes.fake.on("sagemaker", operation, self._counted(operation, handler))

    def fail_on(self, operation: str, nth: int, error: FakeError | None = None, partial: bool = False) -> None:
        """The nth call (1-based, counted since install) of operation fails; the default error is not retried."""
        error = error or FakeError("ValidationException", f"injected failure of {operation} call {nth}")
        self._failures[(operation, nth)] = _Failure(error, partial)

    def settle(self, cluster: str, region: str | None = None, groups=None) -> None:
        """Finish an update: the groups' nodes (default: all) reach their target, the cluster is InService."""
        region = region or self.fakes.region
        c = moto_state.backend(self.fakes.account_id, region).clusters[cluster]
        names = {g["InstanceGroupName"] for g in c.instance_groups} if groups is None else set(groups)
        self._resize(region, c, names)
        c.status = "InService"

    # handlers

    def _counted(self, operation: str, handler):
        def handle(params: dict) -> dict:
            self.calls[operation] += 1
            self.requests.append((operation, params))
            failure = self._failures.pop((operation, self.calls[operation]), None)
            if failure is not None and not failure.partial:
                raise failure.error
            return handler(params, failure)

        return handle

    def _cluster(self, name_or_arn: str):
        name = name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        cluster = moto_state.backend(self.fakes.account_id, self.fakes.region).clusters.get(name)
        if cluster is None:
            raise FakeError("ResourceNotFound", f"Cluster {name_or_arn} not found.")
        return cluster

    def _update_cluster(self, params: dict, failure: _Failure | None) -> dict:
        cluster = self._cluster(params["ClusterName"])
        if cluster.status != "InService":
            raise FakeError("ConflictException", f"Cluster {cluster.cluster_name} is {cluster.status}; try later.")
        existing = {g["InstanceGroupName"]: g for g in cluster.instance_groups}
        requested = {g["InstanceGroupName"]: g for g in params.get("InstanceGroups") or []}
        new = sorted(set(requested) - set(existing))
        if new:  # AWS would create these groups; no sagecheck code may
            raise NotImplementedError(f"the fake UpdateCluster does not add instance groups ({', '.join(new)})")
        missing = sorted(set(existing) - set(requested) - set(params.get("InstanceGroupsToDelete") or ()))
        if missing:
            raise FakeError("ValidationException", f"InstanceGroups must list every instance group; missing {missing}")
        for name, spec in requested.items():
            for member in _UNCHANGED:
                if member in existing[name] and spec.get(member) != existing[name][member]:
                    raise FakeError("ValidationException", f"{name}: {member} cannot change with UpdateCluster here")
        targets = {name: spec["InstanceCount"] for name, spec in requested.items()}
        if failure is not None:  # partial: the first group changes, then the call fails
            first = next(iter(targets))
            self._apply(cluster, {first: targets[first]})
            raise failure.error
        self._apply(cluster, targets)
        return {"ClusterArn": cluster.arn}

    def _apply(self, cluster, targets: dict[str, int]) -> None:
        for group in cluster.instance_groups:
            group["TargetCount"] = targets.get(group["InstanceGroupName"], group["TargetCount"])
        if self.settle_immediately:
            self.settle(cluster.cluster_name, groups=targets)
        else:
            cluster.status = "Updating"

    def _resize(self, region: str, cluster, groups: set[str]) -> None:
        """Bring the named groups to their TargetCount: add moto ClusterNodes where a group grows, then let
        moto_state set the counts and trim nodes. Other groups keep their CurrentCount."""
        counts = {}
        for group in cluster.instance_groups:
            name, target = group["InstanceGroupName"], group["TargetCount"]
            counts[name] = (target, target) if name in groups else (group["CurrentCount"], target)
            if name in groups:
                moto_state.grow_cluster_group(self.fakes.account_id, region, cluster.cluster_name, name, target)
        moto_state.set_cluster_groups(self.fakes.account_id, region, cluster.cluster_name, counts)

    def _add_tags(self, params: dict, failure: _Failure | None) -> dict:
        arn, tags = params["ResourceArn"], params["Tags"]
        for tag in tags:
            if not _TAG_KEY.match(tag["Key"]) or tag["Key"].lower().startswith("aws:"):
                raise FakeError("ValidationException", f"invalid tag key {tag['Key']!r}")
            if not _TAG_VALUE.match(tag["Value"]):
                raise FakeError("ValidationException", f"1 validation error detected: Value {tag['Value']!r} at "
                                "'tags.value' failed to satisfy constraint: Member must satisfy regular expression "
                                "pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*) and length <= 256")
        backend = self._backend_of(arn)
        keys = [t["Key"] for t in tags]
        current = {t["Key"] for t in backend.list_tags(arn)[0]}
        if len(current | set(keys)) > MAX_TAGS:
            raise FakeError("ValidationException", f"a resource can have at most {MAX_TAGS} tags")
        backend.delete_tags(arn, keys)  # AWS overwrites a key's value; moto would keep both
        backend.add_tags(arn, tags)
        return {"Tags": tags}

    def _delete_tags(self, params: dict, failure: _Failure | None) -> dict:
        self._backend_of(params["ResourceArn"]).delete_tags(params["ResourceArn"], params["TagKeys"])
        return {}

    def _backend_of(self, arn: str) -> Any:
        _, _, _, region, account, _ = arn.split(":", 5)
        return moto_state.backend(account, region)


def install_update_cluster(fakes: SageMakerFakes, settle: bool = True) -> HyperPodFake:
    """Install on a simulated account's fakes (`account.fakes`); sessions they are installed on see it."""
    return HyperPodFake(fakes, settle)
