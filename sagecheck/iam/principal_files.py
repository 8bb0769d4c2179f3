"""Offline principals: policy files, or one user or role out of `aws iam get-account-authorization-details`."""
from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import actiondb
from .evaluate import Policy, parse_policy

ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\d{12}):(.+)$")


@dataclass
class PrincipalPolicies:
    """What a principal's permissions are made of. `unresolved` names attached policies we could not read."""

    principal: str
    identity: list[Policy]
    boundary: list[Policy] | None = None
    unresolved: list[str] = field(default_factory=list)


def read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path}: is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path}: cannot be read ({exc.__class__.__name__})") from None
    if not text.strip():
        raise InputError(f"{what} {path}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def check_actions_known(policy: Policy) -> None:
    """An action no AWS service has is a typo; granting or denying it means nothing, so stop and say so."""
    for statement in policy.statements:
        for pattern in (*statement.actions, *statement.not_actions):
            prefix = pattern.partition(":")[0]
            if not any(c in prefix for c in "*?") and prefix not in actiondb.service_prefixes():
                raise InputError(f"{policy.source}: unknown service '{prefix}' in action '{pattern}'")
            if not actiondb.expand(pattern):
                raise InputError(f"{policy.source}: unknown action '{pattern}'")


def load_policy(document: Any, source: str) -> Policy:
    policy = parse_policy(document, source)
    check_actions_known(policy)
    return policy


def load_policy_file(path: Path, what: str = "policy file") -> Policy:
    return load_policy(read_json(path, what), path.name)


def validate_principal_arn(arn: str) -> str:
    if not ARN_RE.match(arn):
        raise InputError(f"--principal-arn {arn!r} is not an IAM user, role or assumed-role ARN")
    return arn


def account_of(arn: str) -> str | None:
    match = ARN_RE.match(arn)
    return match.group(3) if match else None


def role_name_of(arn: str) -> tuple[str, str] | None:
    """('role'|'user', name) for an IAM or assumed-role ARN; the path is dropped."""
    match = ARN_RE.match(arn)
    if not match:
        return None
    resource = match.group(4)
    if resource.startswith("assumed-role/"):
        return "role", resource.split("/")[1]
    kind, _, rest = resource.partition("/")
    if kind in ("role", "user") and rest:
        return kind, rest.rsplit("/", 1)[-1]
    return None


def _document(raw: Any) -> Any:
    # The raw API returns URL-encoded JSON strings; the AWS CLI has already decoded them.
    if isinstance(raw, str):
        return json.loads(urllib.parse.unquote(raw))
    return raw


def from_authorization_details(details: Any, principal_arn: str, source: str) -> PrincipalPolicies:
    if not isinstance(details, dict) or not any(
        k in details for k in ("UserDetailList", "RoleDetailList", "GroupDetailList", "Policies")
    ):
        raise InputError(f"{source}: not the output of 'aws iam get-account-authorization-details'")
    found = role_name_of(validate_principal_arn(principal_arn))
    if found is None:
        raise InputError(f"--principal-arn {principal_arn!r} names neither a user nor a role")
    kind, name = found
    listing = details.get("RoleDetailList" if kind == "role" else "UserDetailList") or []
    name_key = "RoleName" if kind == "role" else "UserName"
    entry = next((e for e in listing if isinstance(e, dict) and e.get(name_key) == name), None)
    if entry is None:
        raise InputError(f"{source}: no {kind} named {name!r} in the file")

    unresolved: list[str] = []

    def attached(items: list[dict]) -> list[Policy]:
        policies = []
        for item in items or []:
            arn = item.get("PolicyArn", "")
            if arn in managed:
                policies.append(load_policy(managed[arn], arn.rsplit("/", 1)[-1]))
            else:
                unresolved.append(arn)
        return policies

    inline_key = "RolePolicyList" if kind == "role" else "UserPolicyList"
    try:
        managed = _managed_documents(details.get("Policies") or [])
        identity = [
            load_policy(_document(p.get("PolicyDocument")), f"{name}/{p.get('PolicyName')}")
            for p in entry.get(inline_key) or []
        ]
        identity += attached(entry.get("AttachedManagedPolicies"))
        if kind == "user":
            groups = {g.get("GroupName"): g for g in details.get("GroupDetailList") or []}
            for group_name in entry.get("GroupList") or []:
                group = groups.get(group_name)
                if group is None:
                    unresolved.append(f"group {group_name}")
                    continue
                identity += [
                    load_policy(_document(p.get("PolicyDocument")), f"{group_name}/{p.get('PolicyName')}")
                    for p in group.get("GroupPolicyList") or []
                ]
                identity += attached(group.get("AttachedManagedPolicies"))
        boundary_arn = (entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        boundary = attached([{"PolicyArn": boundary_arn}]) if boundary_arn else None
    except (json.JSONDecodeError, AttributeError, TypeError) as exc:
        raise InputError(f"{source}: malformed policy entry ({exc.__class__.__name__})") from None
    arn = entry.get("Arn") or principal_arn
    return PrincipalPolicies(arn, identity, boundary, unresolved)


def _managed_documents(policies: list[Any]) -> dict[str, Any]:
    documents = {}
    for policy in policies:
        if not isinstance(policy, dict):
            continue
        default = policy.get("DefaultVersionId")
        for version in policy.get("PolicyVersionList") or []:
            if version.get("IsDefaultVersion") or version.get("VersionId") == default:
                documents[policy.get("Arn")] = _document(version.get("Document"))
    return documents
