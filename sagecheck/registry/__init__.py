"""Every SageMaker resource type sagecheck covers, and the non-discovery features that need permissions."""
from __future__ import annotations

from dataclasses import dataclass

from . import hyperpod, inference, jobs, mlops, notebooks, studio
from .model import Call, Paginated, ResourceType, Search

RESOURCE_TYPES: tuple[ResourceType, ...] = (
    *notebooks.TYPES,
    *inference.TYPES,
    *hyperpod.TYPES,
    *jobs.TYPES,
    *studio.TYPES,
    *mlops.TYPES,
)
BY_NAME: dict[str, ResourceType] = {t.name: t for t in RESOURCE_TYPES}


@dataclass(frozen=True)
class Feature:
    name: str
    actions: tuple[str, ...]
    breaks: str  # what is lost without these actions, for people


IAM_POLICY_READS = (
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
)

FEATURES: tuple[Feature, ...] = (
    Feature("identity", ("sts:GetCallerIdentity",), "the caller and its account cannot be identified"),
    Feature(
        "preflight-simulate",
        ("iam:SimulatePrincipalPolicy",),
        "preflight cannot ask IAM's policy simulator and falls back to reading and evaluating policies",
    ),
    Feature(
        "preflight-local",
        IAM_POLICY_READS,
        "preflight cannot read the principal's policies, so without the simulator every action is inconclusive",
    ),
    Feature(
        "metrics",
        ("cloudwatch:GetMetricData",),
        "utilisation is unknown, so idle and over-provisioned resources are not found",
    ),
    Feature(
        "pricing-live",
        ("pricing:GetProducts",),
        "live prices cannot be read, so costs use the bundled price snapshot",
    ),
)

__all__ = [
    "BY_NAME",
    "Call",
    "FEATURES",
    "Feature",
    "Paginated",
    "RESOURCE_TYPES",
    "ResourceType",
    "Search",
]
