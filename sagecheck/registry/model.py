"""The declarative shape of a SageMaker resource type.

One ResourceType says how a type is enumerated and detailed, how it is identified, how it is costed,
and so, derived from those operations, which IAM actions reading it needs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

CostShape = Literal["run-duration", "hourly", "storage", "roll-up", "none"]


@dataclass(frozen=True)
class Search:
    """Enumerate with sagemaker:Search; its records are complete, 100 a page."""

    resource: str

    @property
    def operation(self) -> str:
        return "Search"


@dataclass(frozen=True)
class Paginated:
    """Enumerate with a List* operation and its botocore paginator."""

    operation: str
    result_key: str
    params: tuple[tuple[str, object], ...] = ()
    since_param: str | None = None  # e.g. LastModifiedTimeAfter: skip what cannot touch the period


@dataclass(frozen=True)
class Call:
    """A per-item call: API parameter names mapped to fields of the summary being detailed."""

    operation: str
    params: tuple[tuple[str, str], ...]
    result_key: str | None = None  # a list in the response to collect (paginated when botocore can)
    scope: str | None = None  # for actions that apply to many ARN types: the one this call touches
    purpose: str = "details (instance types, timings, security settings)"  # what is lost without it


@dataclass(frozen=True)
class ResourceType:
    name: str
    label: str  # plural, for people: "training jobs"
    enumerate: Search | Paginated
    id_field: str
    arn_field: str
    cost_shape: CostShape
    describe: Call | None = None
    extras: tuple[Call, ...] = ()
    service: str = "sagemaker"
    notes: str = ""
    parent_fields: tuple[str, ...] = field(default=())  # ARN fields that link a child to its parent
    state_field: str = ""
    usage: str | None = None  # the price book's usage for this type's compute (training, hosting...)
    # raw API dict (summary merged with details; extras under "_<Operation>") + Origin -> ResourceRecord
    to_record: Callable[..., Any] | None = None

    def record(self, raw: dict, origin) -> Any:
        from ..records import base

        if self.to_record is not None:
            return self.to_record(raw, origin, self)
        return base(raw, origin, self, state=str(raw.get(self.state_field) or "unknown"))

    @property
    def operations(self) -> tuple[str, ...]:
        ops = [self.enumerate.operation]
        if self.describe:
            ops.append(self.describe.operation)
        ops.extend(call.operation for call in self.extras)
        return tuple(dict.fromkeys(ops))

    def breaks(self, action: str) -> str:
        """What a missing action of this type costs the user, in one phrase."""
        if action == f"{self.service}:{self.enumerate.operation}":
            return f"{self.label} are not discovered, costed or checked"
        for call in (self.describe, *self.extras):
            if call is not None and action == f"{self.service}:{call.operation}":
                return f"{self.label} are found but their {call.purpose} are not read"
        raise KeyError(action)

    @property
    def actions(self) -> tuple[str, ...]:
        """IAM actions share the SageMaker operation names, so they are derived, never listed twice."""
        return tuple(f"{self.service}:{op}" for op in self.operations)
