"""Which regions a run covers, from --regions and botocore's own endpoint data (no network)."""
from __future__ import annotations

import os

import botocore.session

from .errors import InputError


def sagemaker_regions(partition: str = "aws") -> list[str]:
    return botocore.session.get_session().get_available_regions("sagemaker", partition_name=partition)


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def parse_regions(value: str | None, partition: str = "aws") -> list[str]:
    """'us-east-1,eu-west-1' or 'all'; None means the configured default region."""
    if value is None or not value.strip():
        return [default_region()]
    known = sagemaker_regions(partition)
    if value.strip().lower() == "all":
        return known
    regions = list(dict.fromkeys(r.strip() for r in value.split(",") if r.strip()))
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise InputError(f"--regions: {', '.join(unknown)} is not a region where SageMaker is offered")
    return regions


def parse_account(value: str | None) -> str:
    if value is None:
        return "*"
    if not (len(value) == 12 and value.isdigit()):
        raise InputError(f"--account-id {value!r} is not a 12-digit AWS account id")
    return value
