"""Excess privileges: what a principal is granted beyond what sagecheck needs, riskiest first."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..catalog import Catalog
from . import actiondb
from .evaluate import Decision, Policy, Request, evaluate
from .preflight import request_context
from .principal_files import PrincipalPolicies

DATA_PLANE = "Data plane"
# Riskiest first: reading customer data, then changing who may do what, then changing things.
LEVEL_ORDER = (DATA_PLANE, "Permissions management", "Write", "Tagging", "Read", "List")


@dataclass(frozen=True)
class Excess:
    action: str
    access_level: str
    reason: str

    def to_dict(self) -> dict:
        return {"action": self.action, "access_level": self.access_level, "reason": self.reason}


def _candidates(policies: Sequence[Policy]) -> set[str]:
    found: set[str] = set()
    for policy in policies:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            if statement.not_actions:
                # Allow + NotAction grants nearly everything; expand every service it could reach.
                found.update(actiondb.expand("*:*"))
            for pattern in statement.actions:
                found.update(actiondb.expand(pattern))
    return found


def excess_grants(
    catalog: Catalog,
    principal: PrincipalPolicies,
    scps: Sequence[Policy] | None = None,
    region: str = "us-east-1",
    account: str = "*",
    partition: str = "aws",
) -> list[Excess]:
    needed = {a.lower() for a in catalog.actions}
    excess = []
    for action in sorted(_candidates(principal.identity)):
        if action.lower() in needed:
            continue
        facts = actiondb.facts(action)
        if facts is None:
            continue
        probe = actiondb.instantiate(facts.arn_formats[0], partition, region, account)
        context = request_context(action.partition(":")[0], region, account, principal.principal)
        result = evaluate(Request(action, probe, context), principal.identity, principal.boundary, scps)
        if result.decision != Decision.ALLOWED:
            continue
        level = DATA_PLANE if actiondb.is_data_plane(action) else facts.access_level
        excess.append(Excess(action, level, f"granted ({result.reason}); sagecheck never calls it"))
    excess.sort(key=lambda e: (LEVEL_ORDER.index(e.access_level) if e.access_level in LEVEL_ORDER else 99, e.action))
    return excess


def summarize(excess: Sequence[Excess], examples: int = 3) -> list[tuple[str, int, list[str]]]:
    """(access level, count, first examples) in risk order, for the table."""
    rows = []
    for level in LEVEL_ORDER:
        actions = [e.action for e in excess if e.access_level == level]
        if actions:
            rows.append((level, len(actions), actions[:examples]))
    return rows
