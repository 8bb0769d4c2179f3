"""Live preflight: check the caller, or another principal of its account, against the catalog.

First choice is IAM's policy simulator, which also sees SCPs. When the caller may not use it, the principal's
policies are read with the fewest IAM calls and evaluated locally. When neither works, every action is
inconclusive: nothing is ever reported granted without evidence.
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Sequence

import botocore.exceptions
import botocore.parsers
from botocore.exceptions import ClientError

from .. import catalog as catalog_module
from ..catalog import Catalog
from ..errors import AwsUnavailable, InputError
from ..session import UNREACHABLE, Clients, describe_error, error_code, reachable
from .evaluate import Policy, parse_policy
from .preflight import (
    GLOBAL_SERVICE_REGION,
    GRANTED,
    INCONCLUSIVE,
    MISSING,
    ActionOutcome,
    PreflightResult,
    request_context,
    assemble,
    check_policies,
    probe_arns,
)
from .principal_files import ARN_RE, PrincipalPolicies, validate_principal_arn
from .review import excess_grants

# A batch's answer holds actions x probe ARNs results. 30 actions x at most 3 ARNs (the widest template set in
# the catalog) = 90 results, within the simulator's default page of 100: a batch is one request, and bigger
# batches would only add pages, not save calls. It also bounds what a throttled retry resends.
BATCH_SIZE = 30

# What a service can answer with besides success: a modelled error, or a body botocore cannot parse.
_AWS_FAULTS = (ClientError, botocore.exceptions.BotoCoreError, botocore.parsers.ResponseParserError)


@dataclass
class _Principal:
    arn: str  # the IAM ARN simulated and reported
    kind: str | None  # "role", "user", or None when IAM cannot simulate it (root, federated user)
    name: str | None
    account: str
    partition: str
    entity: dict | None = None  # the GetRole answer, when the mapping already fetched it
    entity_error: str | None = None  # why the mapping's GetRole failed: asking again would fail again
    notes: list[str] = field(default_factory=list)


class _ReadFailed(Exception):
    """One of the principal's policies could not be read; the message says which and why."""


def live_preflight(
    clients: Clients,
    regions: Sequence[str],
    principal_arn: str | None = None,
    catalog: Catalog | None = None,
) -> PreflightResult:
    catalog = catalog or catalog_module.load()
    regions = list(regions)
    if not regions:
        raise InputError("a live preflight needs at least one region")
    # IAM is global: any region of the partition reaches it; STS answers in the first scanned region.
    sts = clients.client("sts", regions[0])
    iam = clients.client("iam", regions[0])
    with reachable():
        principal = _resolve(sts, iam, principal_arn)
        notes = list(principal.notes)
        if principal.kind is None:
            reason = f"IAM cannot simulate or read the policies of {principal.arn}"
            notes.append(f"{reason}; check a role or user with --principal-arn")
            return _all_inconclusive(catalog, principal.arn, reason, notes)
        try:
            outcomes = _simulate(iam, principal, catalog, regions)
        except UNREACHABLE:
            raise
        except _AWS_FAULTS as exc:
            why = describe_error(exc)
            if isinstance(exc, ClientError) and error_code(exc) in ("Throttling", "ThrottlingException"):
                why += " (still throttled after every retry)"
            notes.append(f"the policy simulator was unavailable ({why}); the policies were read and evaluated locally")
        else:
            notes.append(
                "excess grants are not reviewed on the simulator path: it answers only for the actions asked"
            )
            return assemble(principal.arn, "simulate", outcomes, notes)
        try:
            policies = _read_policies(iam, principal)
        except _ReadFailed as exc:
            notes.append(f"the policies could not be read either ({exc}); every action is inconclusive")
            return _all_inconclusive(catalog, principal.arn, f"neither simulated nor readable: {exc}", notes)
    result = check_policies(
        catalog, policies, regions=regions, account=principal.account, partition=principal.partition, method="local"
    )
    result.notes = notes + ["service control policies cannot be read from here; one may still deny what shows granted"]
    result.excess = excess_grants(
        catalog, policies, region=regions[0], account=principal.account, partition=principal.partition
    )
    return result


def _all_inconclusive(catalog: Catalog, principal: str, reason: str, notes: list[str]) -> PreflightResult:
    return assemble(principal, "local", [ActionOutcome(e.action, INCONCLUSIVE, reason) for e in catalog.entries], notes)


# ---------------------------------------------------------------- who is checked


def _resolve(sts, iam, principal_arn: str | None) -> _Principal:
    match = ARN_RE.match(validate_principal_arn(principal_arn)) if principal_arn else None
    try:
        caller = sts.get_caller_identity()
    except ClientError as exc:  # no policy can deny GetCallerIdentity: the credentials are bad or expired
        raise AwsUnavailable(f"AWS STS refused the credentials ({describe_error(exc)})") from None
    account = caller["Account"]
    arn = caller["Arn"]
    if match:
        if match.group(3) != account:
            raise InputError(
                f"--principal-arn {principal_arn!r} is in account {match.group(3)}, but the credentials are for "
                f"account {account}; only principals of the caller's own account can be checked"
            )
        arn = principal_arn
    partition, service, resource = ARN_RE.match(arn).group(1, 2, 4)
    kind, _, rest = resource.partition("/")
    if service == "sts" and kind == "assumed-role":
        return _role_of_session(iam, rest.split("/")[0], account, partition, explicit=bool(principal_arn))
    if service == "iam" and kind in ("role", "user") and rest:
        return _Principal(arn, kind, rest.rsplit("/", 1)[-1], account, partition)
    if principal_arn:
        raise InputError(f"--principal-arn {principal_arn!r} names neither a user nor a role")
    return _Principal(arn, None, None, account, partition)


def _role_of_session(iam, name: str, account: str, partition: str, explicit: bool) -> _Principal:
    # The simulator refuses session ARNs; the role's own ARN carries its path, which only GetRole knows.
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if explicit and error_code(exc) == "NoSuchEntity":
            raise InputError(f"--principal-arn: no role named {name!r} in account {account}") from None
        arn = f"arn:{partition}:iam::{account}:role/{name}"
        error = f"iam:GetRole on role {name}: {describe_error(exc)}"
        note = f"{error}, so the role's path is unknown; assumed {arn}"
        return _Principal(arn, "role", name, account, partition, entity_error=error, notes=[note])
    return _Principal(role["Arn"], "role", name, account, partition, entity=role)


# ---------------------------------------------------------------- the simulator


def _simulate(iam, principal: _Principal, catalog: Catalog, regions: list[str]) -> list[ActionOutcome]:
    # One call per requested region, because aws:RequestedRegion takes one value per call; global services
    # (IAM, pricing) are asked once, in their home region. Actions are grouped by their probe ARNs so each is
    # simulated only against the resources it can touch.
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for region in regions:
        for entry in catalog.entries:
            home = GLOBAL_SERVICE_REGION.get(entry.action.partition(":")[0], region)
            arns = tuple(probe_arns(entry, region, principal.account, principal.partition))
            actions = groups.setdefault((home, arns), [])
            if entry.action not in actions:
                actions.append(entry.action)

    worst: dict[str, ActionOutcome] = {}
    paginator = iam.get_paginator("simulate_principal_policy")
    for (region, arns), actions in groups.items():
        context = [
            _context_entry(key, value)
            for key, value in request_context("", region, principal.account, principal.arn).items()
        ]
        for start in range(0, len(actions), BATCH_SIZE):
            pages = paginator.paginate(
                PolicySourceArn=principal.arn,
                ActionNames=actions[start : start + BATCH_SIZE],
                ResourceArns=list(arns),
                ContextEntries=context,
            )
            for page in pages:
                for result in page.get("EvaluationResults", []):
                    outcome = _outcome(result, region)
                    key = outcome.action.lower()
                    if _rank(outcome) > _rank(worst.get(key)):
                        worst[key] = outcome
    return [
        ActionOutcome(e.action, o.status, o.reason)
        if (o := worst.get(e.action.lower()))
        else ActionOutcome(e.action, INCONCLUSIVE, "the simulator returned no result for it")
        for e in catalog.entries
    ]


def _context_entry(key: str, value: object) -> dict:
    if isinstance(value, bool):
        return {"ContextKeyName": key, "ContextKeyValues": ["true" if value else "false"], "ContextKeyType": "boolean"}
    return {"ContextKeyName": key, "ContextKeyValues": [str(value)], "ContextKeyType": "string"}


def _rank(outcome: ActionOutcome | None) -> int:
    # Across regions and resources the worst answer stands, as in the local evaluation.
    return {None: 0, GRANTED: 1, INCONCLUSIVE: 2, MISSING: 3}[outcome and outcome.status]


def _outcome(result: dict, region: str) -> ActionOutcome:
    """One EvaluationResult -> an outcome; per-resource answers and missing context keys are folded in."""
    action = result["EvalActionName"]
    per_resource = result.get("ResourceSpecificResults") or []
    decisions = [result["EvalDecision"], *(r["EvalResourceDecision"] for r in per_resource)]
    missing_keys = sorted(
        {key for r in (result, *per_resource) for key in r.get("MissingContextValues") or []}
    )
    where = f"by the simulator in {region}"
    if "explicitDeny" in decisions:
        return ActionOutcome(action, MISSING, f"explicitDeny {where}")
    if missing_keys:
        # The simulator treats a condition on an absent key as false: the answer could go either way.
        keys = ", ".join(missing_keys)
        return ActionOutcome(action, INCONCLUSIVE, f"the simulator was missing context keys {keys} (in {region})")
    if "implicitDeny" in decisions:
        return ActionOutcome(action, MISSING, f"implicitDeny {where}")
    return ActionOutcome(action, GRANTED, f"allowed {where}")


# ---------------------------------------------------------------- local fallback: read the policies


class _Reader:
    """The principal's policies with the fewest IAM reads; a managed policy met twice is fetched once."""

    def __init__(self, iam):
        self.iam = iam
        self.managed: dict[str, Policy] = {}

    def call(self, operation: str, what: str, **params) -> dict:
        try:
            return getattr(self.iam, operation)(**params)
        except UNREACHABLE:
            raise
        except _AWS_FAULTS as exc:
            raise _ReadFailed(f"iam:{_op_name(operation)} on {what}: {describe_error(exc)}") from None

    def pages(self, operation: str, key: str, what: str, **params) -> list:
        try:
            return [item for page in self.iam.get_paginator(operation).paginate(**params) for item in page[key]]
        except UNREACHABLE:
            raise
        except _AWS_FAULTS as exc:
            raise _ReadFailed(f"iam:{_op_name(operation)} on {what}: {describe_error(exc)}") from None

    def own(self, kind: str, name: str) -> list[Policy]:
        """Inline and attached policies of a user, group or role."""
        title = kind.capitalize()
        key = {f"{title}Name": name}
        what = f"{kind} {name}"
        policies = [
            _parse(self.call(f"get_{kind}_policy", what, **key, PolicyName=p)["PolicyDocument"], f"{name}/{p}")
            for p in self.pages(f"list_{kind}_policies", "PolicyNames", what, **key)
        ]
        attached = self.pages(f"list_attached_{kind}_policies", "AttachedPolicies", what, **key)
        return policies + [self.managed_policy(a["PolicyArn"]) for a in attached]

    def managed_policy(self, arn: str) -> Policy:
        if arn not in self.managed:
            version = self.call("get_policy", arn, PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = self.call("get_policy_version", arn, PolicyArn=arn, VersionId=version)["PolicyVersion"]
            self.managed[arn] = _parse(document["Document"], arn.rsplit("/", 1)[-1])
        return self.managed[arn]


def _op_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _parse(raw: Any, source: str) -> Policy:
    # boto3 hands most policy documents over decoded; the raw API sends URL-encoded JSON.
    try:
        document = json.loads(urllib.parse.unquote(raw)) if isinstance(raw, str) else raw
        # parse_policy, not load_policy: a live policy AWS accepted may name actions newer than our database.
        return parse_policy(document, source)
    except (json.JSONDecodeError, InputError) as exc:
        raise _ReadFailed(f"policy {source} could not be parsed: {exc}") from None


def _read_policies(iam, principal: _Principal) -> PrincipalPolicies:
    reader = _Reader(iam)
    if principal.kind == "role":
        role = principal.entity
        if role is None:
            if principal.entity_error:
                raise _ReadFailed(principal.entity_error)
            role = reader.call("get_role", f"role {principal.name}", RoleName=principal.name)["Role"]
        entity, identity = role, reader.own("role", principal.name)
    else:
        entity = reader.call("get_user", f"user {principal.name}", UserName=principal.name)["User"]
        identity = reader.own("user", principal.name)
        for group in reader.pages("list_groups_for_user", "Groups", f"user {principal.name}", UserName=principal.name):
            identity += reader.own("group", group["GroupName"])
    boundary_arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = [reader.managed_policy(boundary_arn)] if boundary_arn else None
    return PrincipalPolicies(entity.get("Arn") or principal.arn, identity, boundary)
