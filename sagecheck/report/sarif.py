"""Findings and preflight gaps as SARIF 2.1.0, shaped for GitHub code scanning.

GitHub's "SARIF support for code scanning" page (docs.github.com, code-security/code-scanning/
integrating-with-code-scanning/sarif-support-for-code-scanning) marks as required: rules' id,
shortDescription, fullDescription and help.text; results' message.text, locations[] (at least one, or the
alert is not shown) and partialFingerprints; each location's physicalLocation.artifactLocation.uri and region
(startLine). Resources are not files, so each result carries the ARN as a logicalLocation and, for GitHub, a
repository-relative pseudo-path built from the ARN: an "arn:..." URI has a scheme code scanning rejects.
partialFingerprints is our own hash of rule and ARN, so an alert keeps its identity across scans.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable
from urllib.parse import quote

from ..checks import ALL_CHECKS, BY_ID
from ..iam.preflight import GRANTED

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "sagecheck"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub reads security-severity as >=9 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low; info has none.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
PERMISSION_PREFIX = "SC-PERM-"


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def arn_path(arn: str) -> str:
    """arn:aws:sagemaker:us-east-1:123:notebook-instance/nb -> arn/aws/sagemaker/us-east-1/123/notebook-instance/nb"""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        _, partition, service, region, account, resource = parts
        segments = ["arn", partition, service, region or "global", account or "-",
                    *re.split(r"[:/]", resource)]
    else:
        segments = ["principal", arn]
    return "/".join(quote(s, safe="") for s in segments if s) or "unknown"


def _location(arn: str, kind: str) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": arn_path(arn)},
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2},
        },
        "logicalLocations": [{"fullyQualifiedName": arn, "name": arn.rsplit("/", 1)[-1], "kind": kind}],
    }


def _fingerprint(rule_id: str, arn: str) -> dict:
    digest = hashlib.sha256(f"{rule_id}|{arn}".encode()).hexdigest()[:16]
    return {"primaryLocationLineHash": f"{digest}:1"}


def _check_rule(check) -> dict:
    properties: dict[str, Any] = {"tags": ["security", *check.types], "precision": "high"}
    if check.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[check.severity]
    return {
        "id": check.check_id,
        "name": re.sub(r"[^A-Za-z0-9]+", " ", check.title).title().replace(" ", ""),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.risk},
        "help": {"text": check.remediation},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": properties,
    }


def _finding_rule(finding) -> dict:
    """A rule for a finding whose check is not in the registry, so that every result has one."""
    check_id, severity = _get(finding, "check_id"), _get(finding, "severity")
    return {
        "id": check_id,
        "shortDescription": {"text": check_id},
        "fullDescription": {"text": _get(finding, "message") or check_id},
        "help": {"text": _get(finding, "remediation") or "See the sagecheck report."},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"tags": ["security"]},
    }


def _permission_rule(action: str, breaks: list[str]) -> dict:
    impact = "; ".join(breaks) or "part of the scan cannot run"
    return {
        "id": PERMISSION_PREFIX + action,
        "name": "MissingPermission",
        "shortDescription": {"text": f"sagecheck is not granted {action}"},
        "fullDescription": {"text": f"Without {action}: {impact}."[:1024]},
        "help": {"text": f"Grant {action} to the scanning principal. `sagecheck preflight --emit json|terraform|"
                         "cloudformation --out PATH` writes the policy for every missing action."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["coverage", "iam"]},
    }


def _gaps(preflight) -> list[tuple[str, str, str, list[str]]]:
    """(action, status, reason, what it breaks) for every action preflight found not granted."""
    if preflight is None:
        return []
    breaks: dict[str, list[str]] = {}
    for coverage in _get(preflight, "coverage") or []:
        for action, broken in zip(coverage.missing_actions, coverage.breaks):
            breaks.setdefault(action, []).append(broken)
    for gap in _get(preflight, "feature_gaps") or []:
        for action in gap.missing_actions:
            breaks.setdefault(action, []).append(gap.breaks)
    return sorted(
        (o.action, o.status, o.reason, breaks.get(o.action, []))
        for o in _get(preflight, "outcomes") or []
        if o.status != GRANTED
    )


def to_sarif(findings: Iterable, preflight=None, tool_version: str = "0.0.0") -> dict:
    """SARIF 2.1.0 log: a rule per check and per missing permission; a result per finding and per gap."""
    findings = list(findings)
    rules = [_check_rule(c) for c in ALL_CHECKS]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for finding in findings:
        if _get(finding, "check_id") not in index:
            index[_get(finding, "check_id")] = len(rules)
            rules.append(_finding_rule(finding))

    results = []
    for finding in findings:
        check_id, arn = _get(finding, "check_id"), _get(finding, "arn")
        check = BY_ID.get(check_id)
        results.append({
            "ruleId": check_id,
            "ruleIndex": index[check_id],
            "level": LEVELS.get(_get(finding, "severity"), "warning"),
            # GitHub shows the message, not logical locations: name the resource in it.
            "message": {"text": f"{_get(finding, 'message')} Resource: {arn}"},
            "locations": [_location(arn, "resource")],
            "partialFingerprints": _fingerprint(check_id, arn),
            "properties": {"severity": _get(finding, "severity"),
                           "resourceType": _get(finding, "resource_type") or (check.types[0] if check else "")},
        })

    principal = (_get(preflight, "principal") if preflight is not None else None) or "unknown principal"
    for action, status, reason, broken in _gaps(preflight):
        rule_id = PERMISSION_PREFIX + action
        index[rule_id] = len(rules)
        rules.append(_permission_rule(action, broken))
        impact = f" Without it: {'; '.join(broken)}." if broken else ""
        results.append({
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": "warning",
            "message": {"text": f"{principal} is not granted {action} ({status}: {reason}).{impact}"},
            "locations": [_location(principal, "principal")],
            "partialFingerprints": _fingerprint(rule_id, principal),
            "properties": {"status": status},
        })

    driver: dict[str, Any] = {"name": TOOL_NAME, "version": tool_version, "rules": rules}
    if re.fullmatch(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?", tool_version):
        driver["semanticVersion"] = tool_version
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
