"""IAM's policy simulator, which moto lacks, answered honestly from the principal's policies stored in moto.

The answer comes from sagecheck's own evaluator over the identity policies (inline, attached, and for a user
its groups') and the permissions boundary, read with an admin moto client. Its shape follows AWS: one
EvaluationResult per action x resource, missing context keys under ResourceSpecificResults when resource ARNs
are given, and IsTruncated/Marker pages.
"""
from __future__ import annotations

import fnmatch
import json
import re
import urllib.parse
from typing import Any

from ..iam.evaluate import Decision, Policy, Request, evaluate, parse_policy
from .fakes import FakeAws, FakeError

AWS_DEFAULT_MAX_ITEMS = 100
_DECISION = {
    Decision.ALLOWED: "allowed",
    Decision.EXPLICIT_DENY: "explicitDeny",
    Decision.IMPLICIT_DENY: "implicitDeny",
    # AWS treats a condition on an absent key as not matching and names the key; our "inconclusive" is that.
    Decision.INCONCLUSIVE: "implicitDeny",
}
_PRINCIPAL_RE = re.compile(r"^arn:[\w-]+:iam::\d{12}:(user|role|group)/(?:.*/)?([^/]+)$")


class Simulator:
    """The SimulatePrincipalPolicy handler. `denied = True` answers AccessDenied, as AWS does to a caller
    without iam:SimulatePrincipalPolicy."""

    def __init__(self, admin_iam, *, page_size: int = AWS_DEFAULT_MAX_ITEMS, denied: bool = False):
        self.admin_iam = admin_iam
        self.page_size = page_size
        self.denied = denied
        self.requests: list[dict] = []  # every request answered or refused, for tests to inspect

    def deny(self, denied: bool = True) -> None:
        self.denied = denied

    def __call__(self, params: dict) -> dict:
        self.requests.append(params)
        arn = params["PolicySourceArn"]
        if self.denied:
            raise FakeError(
                "AccessDenied",
                f"User is not authorized to perform: iam:SimulatePrincipalPolicy on resource: {arn}",
                status=403,
            )
        match = _PRINCIPAL_RE.match(arn)
        if match is None:
            # AWS simulates IAM users, groups and roles only; an assumed-role session ARN is refused like this.
            raise FakeError("InvalidInput", f"Invalid ARN: {arn} is not a user, group or role ARN", status=400)
        identity, boundary = self._policies(arn, match.group(1), match.group(2))
        context = {
            e["ContextKeyName"]: tuple(e.get("ContextKeyValues") or ()) for e in params.get("ContextEntries") or []
        }
        resources = params.get("ResourceArns") or ["*"]
        results = [
            _result(action, resource, context, identity, boundary)
            for action in params["ActionNames"]
            for resource in resources
        ]
        start = int(params.get("Marker") or 0)
        limit = min(params.get("MaxItems") or AWS_DEFAULT_MAX_ITEMS, self.page_size)
        end = start + limit
        body: dict[str, Any] = {"EvaluationResults": results[start:end], "IsTruncated": end < len(results)}
        if end < len(results):
            body["Marker"] = str(end)
        return body

    # ------------------------------------------------------------ the principal's policies, from moto

    def _policies(self, arn: str, kind: str, name: str) -> tuple[list[Policy], list[Policy] | None]:
        iam = self.admin_iam
        try:
            entity = {
                "user": lambda: iam.get_user(UserName=name)["User"],
                "role": lambda: iam.get_role(RoleName=name)["Role"],
                "group": lambda: iam.get_group(GroupName=name)["Group"],
            }[kind]()
        except iam.exceptions.NoSuchEntityException:
            entity = None
        if entity is None or entity["Arn"] != arn:  # the path is part of the ARN: a wrong one names nobody
            raise FakeError("NoSuchEntity", f"The {kind} with ARN {arn} cannot be found.", status=404)
        identity = self._own(kind, name)
        if kind == "user":
            for page in iam.get_paginator("list_groups_for_user").paginate(UserName=name):
                for group in page["Groups"]:
                    identity += self._own("group", group["GroupName"])
        boundary_arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        boundary = [self._managed(boundary_arn)] if boundary_arn else None
        return identity, boundary

    def _own(self, kind: str, name: str) -> list[Policy]:
        iam = self.admin_iam
        title = kind.capitalize()
        key = {f"{title}Name": name}
        inline = [
            p for page in iam.get_paginator(f"list_{kind}_policies").paginate(**key) for p in page["PolicyNames"]
        ]
        policies = [
            parse_policy(
                _document(getattr(iam, f"get_{kind}_policy")(**key, PolicyName=p)["PolicyDocument"]), f"{name}/{p}"
            )
            for p in inline
        ]
        for page in iam.get_paginator(f"list_attached_{kind}_policies").paginate(**key):
            policies += [self._managed(p["PolicyArn"]) for p in page["AttachedPolicies"]]
        return policies

    def _managed(self, arn: str) -> Policy:
        version = self.admin_iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = self.admin_iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        return parse_policy(_document(document), arn.rsplit("/", 1)[-1])


def _document(raw: Any) -> Any:
    return json.loads(urllib.parse.unquote(raw)) if isinstance(raw, str) else raw


def _result(action: str, resource: str, context: dict, identity: list[Policy], boundary: list[Policy] | None) -> dict:
    result = evaluate(Request(action, resource, context), identity, boundary)
    missing = []
    if result.decision == Decision.INCONCLUSIVE:
        missing = _missing_keys(action, context, identity + (boundary or []))
    out: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": _DECISION[result.decision],
        "MatchedStatements": [],
    }
    if boundary is not None:
        allowed = evaluate(Request(action, resource, context), boundary).decision == Decision.ALLOWED
        out["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if resource == "*":
        out["MissingContextValues"] = missing
    else:
        out["MissingContextValues"] = []
        out["ResourceSpecificResults"] = [
            {
                "EvalResourceName": resource,
                "EvalResourceDecision": out["EvalDecision"],
                "MatchedStatements": [],
                "MissingContextValues": missing,
            }
        ]
    return out


def _missing_keys(action: str, context: dict, policies: list[Policy]) -> list[str]:
    """Condition keys of the statements naming this action that the request did not supply."""
    given = {k.lower() for k in context}
    keys = {
        key
        for policy in policies
        for s in policy.statements
        if s.not_actions or any(fnmatch.fnmatchcase(action.lower(), p) for p in s.actions)
        for _, key, _ in s.conditions
        if key.lower() not in given
    }
    # An evaluator doubt with every key supplied (an operator it lacks) still must not read as a clean answer.
    return sorted(keys) or sorted({key for p in policies for s in p.statements for _, key, _ in s.conditions})


def install_simulator(
    fake: FakeAws, admin_iam_client, *, page_size: int = AWS_DEFAULT_MAX_ITEMS, denied: bool = False
) -> Simulator:
    simulator = Simulator(admin_iam_client, page_size=page_size, denied=denied)
    fake.on("iam", "SimulatePrincipalPolicy", simulator)
    return simulator
