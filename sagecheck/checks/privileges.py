"""The scanning principal's own excess grants, from preflight: one finding per risky access level."""
from __future__ import annotations

from typing import Any

from .model import CRITICAL, HIGH, LOW, MEDIUM, Check, Finding

PRINCIPAL_TYPE = "iam-principal"
EXAMPLES = 5

_REMEDIATION = ("Remove these actions from the scanning principal's policies; sagecheck needs only the read "
                "actions of its catalog (`sagecheck policy --emit json` writes exactly those).")

PRIVILEGE_CHECKS: tuple[Check, ...] = (
    Check("SC-IAM-001", "Scanning principal can reach customer data (data plane)", HIGH, (PRINCIPAL_TYPE,),
          risk="Data-plane actions (invoking endpoints, reading feature records, presigned URLs) read or produce "
               "customer data; a leaked scanner credential becomes a data breach.",
          remediation=_REMEDIATION, access_level="Data plane"),
    Check("SC-IAM-002", "Scanning principal can manage permissions", CRITICAL, (PRINCIPAL_TYPE,),
          risk="Permissions-management actions let the principal grant itself, or others, anything: a path to "
               "full account takeover.",
          remediation=_REMEDIATION, access_level="Permissions management"),
    Check("SC-IAM-003", "Scanning principal can change resources (write)", MEDIUM, (PRINCIPAL_TYPE,),
          risk="Write actions let a read-only scanner create, change, stop or delete resources.",
          remediation=_REMEDIATION, access_level="Write"),
    Check("SC-IAM-004", "Scanning principal can change tags", LOW, (PRINCIPAL_TYPE,),
          risk="Tags drive attribute-based access control and cost allocation; changing them can widen access "
               "or hide spend.",
          remediation=_REMEDIATION, access_level="Tagging"),
)


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def privilege_findings(preflight) -> list[Finding]:
    excess = list(getattr(preflight, "excess", None) or [])
    principal = getattr(preflight, "principal", "") or "unknown principal"
    findings = []
    for check in PRIVILEGE_CHECKS:
        actions = sorted(a for e in excess if _field(e, "access_level") == check.access_level
                         for a in [_field(e, "action")] if a)
        if not actions:
            continue
        shown = ", ".join(actions[:EXAMPLES]) + (f" and {len(actions) - EXAMPLES} more" if len(actions) > EXAMPLES else "")
        message = (f"{principal} is granted {len(actions)} {check.access_level.lower()} action(s) sagecheck "
                   f"never calls: {shown}.")
        findings.append(Finding(check.check_id, check.severity, principal, message, check.remediation, PRINCIPAL_TYPE))
    return findings
