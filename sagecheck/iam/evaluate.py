"""A pure, local IAM policy evaluator following AWS's documented evaluation logic.

It answers allowed, implicit deny or explicit deny, and "inconclusive" whenever the answer hangs on
something it cannot know (an unknown condition key, an unsupported operator): never a guessed grant.
"""
from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sagecheck.errors import InputError

KNOWN_CONTEXT_KEYS = frozenset({"aws:requestedregion", "aws:principalarn", "aws:principalaccount", "aws:securetransport"})

_VERSIONS = ("2012-10-17", "2008-10-17")
_ACTION_RE = re.compile(r"^(\*|[a-z0-9*?-]+:[a-z0-9*?]+)$", re.IGNORECASE)
_SET_PREFIXES = ("ForAnyValue", "ForAllValues")


class Decision(str, enum.Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit-deny"
    EXPLICIT_DENY = "explicit-deny"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]  # lowercase patterns; exactly one of actions / not_actions is non-empty
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]  # exactly one of resources / not_resources is non-empty
    not_resources: tuple[str, ...]
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (operator, key, values)
    sid: str | None = None
    index: int = 0  # position in the policy, for messages when there is no Sid

    @property
    def label(self) -> str:
        return f"statement '{self.sid}'" if self.sid else f"statement #{self.index + 1}"


@dataclass(frozen=True)
class Policy:
    source: str
    statements: tuple[Statement, ...]

    def action_patterns(self, effect: str = "Allow") -> list[str]:
        patterns = [p for s in self.statements if s.effect == effect and s.actions for p in s.actions]
        return list(dict.fromkeys(patterns))

    def not_action_statements(self, effect: str = "Allow") -> list[Statement]:
        return [s for s in self.statements if s.effect == effect and s.not_actions]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    reason: str


# ---------------------------------------------------------------- parsing


def parse_policy(document: object, source: str) -> Policy:
    if not isinstance(document, dict):
        raise InputError(f"{source}: a policy document must be a JSON object")
    if "Version" in document and document["Version"] not in _VERSIONS:
        raise InputError(f"{source}: unsupported policy Version {document['Version']!r} (use 2012-10-17)")
    if "Statement" not in document:
        raise InputError(f"{source}: the policy has no Statement")
    raw = document["Statement"]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise InputError(f"{source}: Statement must be an object or a list of objects")
    return Policy(source, tuple(_parse_statement(s, i, source) for i, s in enumerate(raw)))


def _parse_statement(raw: object, index: int, source: str) -> Statement:
    where = f"{source}: statement #{index + 1}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a JSON object")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise InputError(f"{where}: Effect must be \"Allow\" or \"Deny\", got {raw.get('Effect')!r}")
    actions, not_actions = _either(raw, "Action", "NotAction", where)
    resources, not_resources = _either(raw, "Resource", "NotResource", where)
    for action in actions or not_actions:
        if not _ACTION_RE.match(action):
            raise InputError(f"{where}: {action!r} is not an action of the form service:Name")
    for resource in resources or not_resources:
        if resource != "*" and not (resource.startswith("arn:") and resource.count(":") >= 5):
            raise InputError(f"{where}: {resource!r} is neither \"*\" nor an ARN (arn:partition:service:region:account:...)")
    sid = raw.get("Sid")
    return Statement(
        effect=raw["Effect"],
        actions=tuple(a.lower() for a in actions),
        not_actions=tuple(a.lower() for a in not_actions),
        resources=resources,
        not_resources=not_resources,
        conditions=_parse_conditions(raw.get("Condition", {}), where),
        sid=str(sid) if sid not in (None, "") else None,
        index=index,
    )


def _either(raw: dict, name: str, not_name: str, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if (name in raw) == (not_name in raw):
        raise InputError(f"{where}: needs exactly one of {name} or {not_name}")
    key = name if name in raw else not_name
    value = raw[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise InputError(f"{where}: {key} must be a string or a non-empty list of strings")
    return (tuple(values), ()) if key == name else ((), tuple(values))


def _parse_conditions(raw: object, where: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    def scalar(v: object) -> bool:
        return isinstance(v, (str, bool, int, float))

    if not isinstance(raw, dict):
        raise InputError(f"{where}: Condition must be an object of operator -> {{key: value}}")
    out = []
    for operator, block in raw.items():
        if not isinstance(block, dict) or not block:
            raise InputError(f"{where}: Condition operator {operator!r} must map to a non-empty object of key -> value")
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if not all(scalar(v) for v in values):
                raise InputError(f"{where}: Condition {operator!r} key {key!r} must be a value or a list of values")
            out.append((operator, key, tuple(_text(v) for v in values)))
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- matching


@functools.lru_cache(maxsize=4096)
def _glob_re(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    return _glob_re(pattern, ignore_case).fullmatch(text) is not None


def _arn_match(pattern: str, value: str) -> bool:
    if pattern == "*":
        return True
    if value == "*":  # the action takes no resource ARN: only a pattern matching the literal "*" grants it
        return _glob(pattern, "*")
    p, v = pattern.split(":", 5), value.split(":", 5)
    if len(p) < 6 or len(v) < 6:
        return False
    # A request ARN with "*" as region or account stands for "any": the caller does not know it yet.
    return all((i in (3, 4) and v[i] == "*") or _glob(p[i], v[i]) for i in range(5)) and _glob(p[5], v[5])


def _statement_applies(s: Statement, action: str, resource: str) -> bool:
    if s.actions:
        action_ok = any(_glob(p, action, ignore_case=True) for p in s.actions)
    else:
        action_ok = not any(_glob(p, action, ignore_case=True) for p in s.not_actions)
    if s.resources:
        return action_ok and any(_arn_match(p, resource) for p in s.resources)
    return action_ok and not any(_arn_match(p, resource) for p in s.not_resources)


# ---------------------------------------------------------------- conditions

# base operator -> (test(policy_value, context_value), negated)
_OPERATORS = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), True),
    "StringLike": (_glob, False),
    "StringNotLike": (_glob, True),
    "ArnEquals": (_arn_match, False),  # AWS documents ArnEquals as wildcard-aware, like ArnLike
    "ArnLike": (_arn_match, False),
    "ArnNotEquals": (_arn_match, True),
    "ArnNotLike": (_arn_match, True),
    "Bool": (lambda p, v: p.lower() == v.lower(), False),
}


Context = Mapping[str, tuple[str, ...]]  # lowercase key -> values as text


def _condition(operator: str, key: str, values: tuple[str, ...], context: Context) -> tuple[bool | None, str]:
    """True, False, or None (undecidable) with the reason."""
    prefix, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    plain_null = base == "Null" and not prefix and not if_exists
    supported = prefix in ("", *_SET_PREFIXES) and (base in _OPERATORS or plain_null)
    if not supported:
        return None, f"unsupported condition operator {operator}"
    lowered = key.lower()
    if lowered not in KNOWN_CONTEXT_KEYS:
        return None, f"condition on unknown key {key}"
    present = lowered in context
    if base == "Null":
        return any((v.lower() == "true") != present for v in values), ""
    if not present:
        return (True, "") if if_exists else (None, f"condition key {key} is absent from the request context")
    test, negated = _OPERATORS[base]

    def one(c: str) -> bool:
        return any(test(p, c) for p in values) != negated

    given = context[lowered]
    if prefix == "ForAllValues" or (not prefix and negated):
        return all(one(c) for c in given), ""
    return any(one(c) for c in given), ""


def _conditions(s: Statement, context: Context) -> tuple[bool | None, str]:
    unknown = ""
    for operator, key, values in s.conditions:
        truth, why = _condition(operator, key, values, context)
        if truth is False:
            return False, ""
        if truth is None and not unknown:
            unknown = why
    return (None, unknown) if unknown else (True, "")


# ---------------------------------------------------------------- evaluation


def _layer(request: Request, policies: Sequence[Policy], name: str, context: Context) -> Result:
    action = request.action.lower()
    allowed = maybe_allow = maybe_deny = None
    for policy in policies:
        for s in policy.statements:
            if not _statement_applies(s, action, request.resource):
                continue
            truth, why = _conditions(s, context)
            where = f"{s.effect} {s.label} of {policy.source}"
            if s.effect == "Deny" and truth:
                return Result(Decision.EXPLICIT_DENY, f"denied by {s.label} in {policy.source}")
            if s.effect == "Deny" and truth is None:
                maybe_deny = maybe_deny or f"{why} in {where}"
            elif s.effect == "Allow" and truth:
                allowed = allowed or f"allowed by {s.label} in {policy.source}"
            elif s.effect == "Allow" and truth is None:
                maybe_allow = maybe_allow or f"{why} in {where}"
    if allowed and maybe_deny:
        return Result(Decision.INCONCLUSIVE, maybe_deny)
    if allowed:
        return Result(Decision.ALLOWED, allowed)
    if maybe_allow:
        return Result(Decision.INCONCLUSIVE, maybe_allow)
    return Result(Decision.IMPLICIT_DENY, f"no statement in the {name} allows {request.action} on {request.resource}")


def evaluate(
    request: Request,
    identity: Sequence[Policy],
    boundary: Sequence[Policy] | None = None,
    scps: Sequence[Policy] | None = None,
) -> Result:
    context = {
        k.lower(): tuple(_text(x) for x in v) if isinstance(v, (list, tuple, set, frozenset)) else (_text(v),)
        for k, v in request.context.items()
    }
    layers = [(identity, "identity policies"), (boundary, "permissions boundary"), (scps, "SCPs")]
    results = [_layer(request, policies, name, context) for policies, name in layers if policies is not None]
    for decision in (Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY, Decision.INCONCLUSIVE):
        for result in results:
            if result.decision is decision:
                return result
    return results[0]
