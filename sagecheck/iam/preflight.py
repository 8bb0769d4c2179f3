"""Catalog x principal -> which actions are granted, and so which resource types sagecheck can read.

The outcome builder is pure; the live path (simulator or local evaluation of fetched policies) feeds it
the same way the offline policy-file path does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..catalog import Catalog, CatalogEntry
from ..registry import BY_NAME, FEATURES
from . import actiondb
from .evaluate import Decision, Policy, Request, evaluate
from .principal_files import PrincipalPolicies

GRANTED, MISSING, INCONCLUSIVE = "granted", "missing", "inconclusive"
# Global services answer from one region; their aws:RequestedRegion is that region, not the scanned one.
GLOBAL_SERVICE_REGION = {"iam": "us-east-1", "pricing": "us-east-1"}


@dataclass(frozen=True)
class ActionOutcome:
    action: str
    status: str
    reason: str


@dataclass(frozen=True)
class Coverage:
    type: str
    status: str  # covered | partial | uncovered
    missing_actions: tuple[str, ...]
    breaks: tuple[str, ...]


@dataclass(frozen=True)
class FeatureGap:
    feature: str
    missing_actions: tuple[str, ...]
    breaks: str


@dataclass
class PreflightResult:
    principal: str
    method: str
    outcomes: list[ActionOutcome]
    coverage: list[Coverage]
    feature_gaps: list[FeatureGap]
    excess: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[ActionOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def missing_actions(self) -> list[str]:
        return [o.action for o in self.outcomes if o.status != GRANTED]

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.missing_actions or (strict and self.excess) else 0

    def to_dict(self) -> dict:
        def items(status: str) -> list[dict]:
            return [{"action": o.action, "reason": o.reason} for o in self.with_status(status)]

        return {
            "principal": self.principal,
            "method": self.method,
            "granted": [o.action for o in self.with_status(GRANTED)],
            "missing": items(MISSING),
            "inconclusive": items(INCONCLUSIVE),
            "excess": [e.to_dict() for e in self.excess],
            "coverage": [
                {"type": c.type, "status": c.status, "missing_actions": list(c.missing_actions)}
                for c in self.coverage
            ],
            "features": [
                {"feature": g.feature, "missing_actions": list(g.missing_actions), "breaks": g.breaks}
                for g in self.feature_gaps
            ],
            "notes": self.notes,
        }


def probe_arns(entry: CatalogEntry, region: str, account: str, partition: str) -> list[str]:
    """The ARN shapes sagecheck touches for an action in one region: every name part is '*'."""
    return [actiondb.instantiate(t, partition, region, account) for t in entry.resource_arns]


def request_context(service: str, region: str, account: str, principal: str | None) -> dict[str, object]:
    context: dict[str, object] = {
        "aws:RequestedRegion": GLOBAL_SERVICE_REGION.get(service, region),
        "aws:SecureTransport": True,
    }
    if principal and principal.startswith("arn:"):
        context["aws:PrincipalArn"] = principal
    if account != "*":
        context["aws:PrincipalAccount"] = account
    return context


def evaluate_entry(
    entry: CatalogEntry,
    principal: PrincipalPolicies,
    scps: Sequence[Policy] | None,
    regions: Sequence[str],
    account: str,
    partition: str,
) -> ActionOutcome:
    service = entry.action.partition(":")[0]
    worst: tuple[Decision, str] | None = None
    for region in regions:
        for arn in probe_arns(entry, region, account, partition):
            request = Request(entry.action, arn, request_context(service, region, account, principal.principal))
            result = evaluate(request, principal.identity, principal.boundary, scps)
            if result.decision in (Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY):
                return ActionOutcome(entry.action, MISSING, f"{result.reason} (in {region})")
            if result.decision == Decision.INCONCLUSIVE and worst is None:
                worst = (result.decision, f"{result.reason} (in {region})")
    if worst:
        return ActionOutcome(entry.action, INCONCLUSIVE, worst[1])
    return ActionOutcome(entry.action, GRANTED, "allowed")


def _unresolved_outcome(outcome: ActionOutcome, unresolved: list[str]) -> ActionOutcome:
    # A policy we could not read might grant what the others do not: unknown, never missing for sure.
    if outcome.status == MISSING and unresolved and "explicit" not in outcome.reason:
        names = ", ".join(unresolved)
        return ActionOutcome(outcome.action, INCONCLUSIVE, f"not granted by the policies read; unread: {names}")
    return outcome


def check_policies(
    catalog: Catalog,
    principal: PrincipalPolicies,
    *,
    scps: Sequence[Policy] | None = None,
    regions: Sequence[str],
    account: str = "*",
    partition: str = "aws",
    method: str = "policy-file",
) -> PreflightResult:
    outcomes = [
        _unresolved_outcome(
            evaluate_entry(entry, principal, scps, regions, account, partition), principal.unresolved
        )
        for entry in catalog.entries
    ]
    return assemble(principal.principal, method, outcomes)


def assemble(principal: str, method: str, outcomes: Iterable[ActionOutcome], notes: list[str] | None = None):
    outcomes = list(outcomes)
    return PreflightResult(
        principal=principal,
        method=method,
        outcomes=outcomes,
        coverage=coverage_of(outcomes),
        feature_gaps=feature_gaps_of(outcomes),
        notes=list(notes or []),
    )


def coverage_of(outcomes: Iterable[ActionOutcome]) -> list[Coverage]:
    not_granted = {o.action for o in outcomes if o.status != GRANTED}
    rows = []
    for rtype in BY_NAME.values():
        missing = tuple(a for a in rtype.actions if a in not_granted)
        enumerate_action = rtype.actions[0]
        status = "uncovered" if enumerate_action in missing else "partial" if missing else "covered"
        rows.append(Coverage(rtype.name, status, missing, tuple(rtype.breaks(a) for a in missing)))
    return rows


def feature_gaps_of(outcomes: Iterable[ActionOutcome]) -> list[FeatureGap]:
    not_granted = {o.action for o in outcomes if o.status != GRANTED}
    return [
        FeatureGap(f.name, tuple(a for a in f.actions if a in not_granted), f.breaks)
        for f in FEATURES
        if any(a in not_granted for a in f.actions)
    ]
