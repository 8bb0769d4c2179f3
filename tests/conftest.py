import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEGACY_POLICY = ROOT / "sagecheck" / "demo" / "data" / "legacy-scanner-policy.json"


@pytest.fixture
def write_json(tmp_path):
    """Write a JSON document to a fresh file and return its path."""
    counter = iter(range(10_000))

    def write(document, name=None) -> Path:
        path = tmp_path / (name or f"doc{next(counter)}.json")
        path.write_text(json.dumps(document))
        return path

    return write


def allow(actions, resource="*", **extra):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource, **extra}]}


def deny(actions, resource="*", **extra):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": actions, "Resource": resource, **extra}]}
