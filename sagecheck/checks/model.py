"""What a security check is, what it finds, and the one list every check is registered in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from ..records import ResourceRecord

SEVERITIES = ("critical", "high", "medium", "low", "info")
CRITICAL, HIGH, MEDIUM, LOW, INFO = SEVERITIES


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: str
    arn: str
    message: str
    remediation: str
    resource_type: str

    def to_dict(self) -> dict:
        return {
            "check_id": self.check_id,
            "severity": self.severity,
            "arn": self.arn,
            "message": self.message,
            "remediation": self.remediation,
            "resource_type": self.resource_type,
        }


class Context:
    """Lookups across records, for checks that need a second resource (a notebook's lifecycle config)."""

    def __init__(self, records: Iterable[ResourceRecord]):
        self.records = list(records)
        self._by_name = {(r.type, r.region, r.account, r.name): r for r in self.records}

    def find(self, rtype: str, like: ResourceRecord, name: str | None) -> ResourceRecord | None:
        return self._by_name.get((rtype, like.region, like.account, name)) if name else None


# record, context -> the failure message, or None when the check passes or the data is not there
Test = Callable[[ResourceRecord, Context], Optional[str]]


@dataclass(frozen=True)
class Check:
    check_id: str
    title: str
    severity: str
    types: tuple[str, ...]
    risk: str
    remediation: str
    test: Test | None = None  # None for checks over the preflight, not over records
    access_level: str | None = None  # preflight checks: the IAM access level they count

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.check_id}: unknown severity {self.severity}")


CHECKS: list[Check] = []


def register(check_id: str, title: str, severity: str, types: str | tuple[str, ...], *, risk: str, remediation: str):
    """Decorator: add a record check to CHECKS, in definition order."""
    types = (types,) if isinstance(types, str) else types

    def add(test: Test) -> Test:
        CHECKS.append(Check(check_id, title, severity, types, risk, remediation, test))
        return test

    return add


# Missing data is never a failure. A boolean attr that is absent or None is unknown; a setting attr
# (a KMS key, a subnet) that is absent is unknown, and present-but-empty means "not set".
def is_true(attrs: Mapping[str, Any], key: str) -> bool:
    return attrs.get(key) is True


def is_false(attrs: Mapping[str, Any], key: str) -> bool:
    return attrs.get(key) is False


def unset(attrs: Mapping[str, Any], key: str) -> bool:
    return key in attrs and not attrs[key]
