"""Security checks: pure functions over resource records and the preflight result -> findings.

    findings = run_checks(records, preflight)        # list[Finding], most severe first
    [f.to_dict() for f in findings]                  # check_id, severity, arn, message, remediation, resource_type
    ALL_CHECKS                                       # every Check: id, title, severity, types, risk, remediation
"""
from __future__ import annotations

from typing import Iterable

from ..records import ResourceRecord
from ..registry import BY_NAME
from . import resources  # noqa: F401  (registers the record checks)
from .model import CHECKS, SEVERITIES, Check, Context, Finding
from .privileges import PRIVILEGE_CHECKS, privilege_findings

ALL_CHECKS: tuple[Check, ...] = (*CHECKS, *PRIVILEGE_CHECKS)
BY_ID: dict[str, Check] = {c.check_id: c for c in ALL_CHECKS}


def unread_types(preflight) -> set[str]:
    """Types whose describe call was not granted: their records hold list summaries only, so their
    settings look unset when they are merely unread, and checking them would invent findings."""
    unread = set()
    for coverage in getattr(preflight, "coverage", None) or []:
        rtype = BY_NAME.get(coverage.type)
        if rtype and rtype.describe and f"{rtype.service}:{rtype.describe.operation}" in coverage.missing_actions:
            unread.add(coverage.type)
    return unread


def run_checks(records: Iterable[ResourceRecord], preflight=None) -> list[Finding]:
    unread = unread_types(preflight)
    readable = [r for r in records if r.type not in unread]
    ctx = Context(readable)
    findings = []
    for check in CHECKS:
        for record in readable:
            if record.type in check.types:
                message = check.test(record, ctx)
                if message:
                    findings.append(Finding(check.check_id, check.severity, record.arn, message,
                                            check.remediation, record.type))
    if preflight is not None:
        findings.extend(privilege_findings(preflight))
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.check_id, f.arn))


__all__ = ["ALL_CHECKS", "BY_ID", "CHECKS", "Check", "Finding", "PRIVILEGE_CHECKS", "run_checks", "unread_types"]
