"""Every AWS client comes from here: one injected boto3 Session, adaptive retries, and an operation guard.

The guard is a `before-call` hook on every client this module makes, and it refuses any operation outside
the allow-list before a request is built; nothing in sagecheck makes a client any other way. Scan and preflight get the read-only catalog's
operations; the HyperPod control builds its own session with its own write allow-list.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterable, Iterator

import boto3
import botocore.exceptions
from botocore.config import Config

from .errors import AwsUnavailable, InputError

DEFAULT_MAX_ATTEMPTS = 10  # enough that a scan with 30 % of calls throttled still completes


NO_CREDENTIALS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.SSOError,
)
UNREACHABLE = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


def error_code(exc: Exception, default: str = "Unknown") -> str:
    """A ClientError's AWS error code; for any other failure, its class name."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code") or default
    return type(exc).__name__


def describe_error(exc: Exception) -> str:
    """'Code: message' for a modelled error; the first line of anything else (e.g. an unparseable 5xx body)."""
    if not isinstance(exc, botocore.exceptions.ClientError):
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"{type(exc).__name__}: {first}".rstrip(": ")
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}".rstrip(": ")


@contextmanager
def reachable(during: str = "") -> Iterator[None]:
    """No credentials or no route to AWS is exit 3 for the whole command, said in one line."""
    try:
        yield
    except NO_CREDENTIALS as exc:
        raise AwsUnavailable(f"no usable AWS credentials ({exc}); use --profile or the AWS_* variables") from None
    except UNREACHABLE as exc:
        raise AwsUnavailable(f"AWS could not be reached ({exc}){during}") from None


class OperationNotAllowed(Exception):
    """The guard refused an operation; it was never sent."""


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as exc:
        raise AwsUnavailable(str(exc)) from None


def _attempts_from_env() -> int:
    value = os.environ.get("AWS_MAX_ATTEMPTS")
    if not value:
        return DEFAULT_MAX_ATTEMPTS
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"AWS_MAX_ATTEMPTS={value!r} must be a whole number, 1 or more")
    return int(value)


class Clients:
    def __init__(
        self,
        session: boto3.Session,
        allowed: Iterable[tuple[str, str]],
        *,
        name: str = "read-only",
        max_attempts: int | None = None,
        max_pool_connections: int = 16,
    ):
        self.session = session
        self.name = name
        self.allowed = frozenset((service.lower(), op) for service, op in allowed)
        # AWS_MAX_ATTEMPTS is honoured as the AWS CLI honours it; our default is higher than botocore's.
        attempts = max_attempts or _attempts_from_env()
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=10,
            read_timeout=60,
        )
        self._cache: dict[tuple[str, str | None], object] = {}
        self._lock = threading.Lock()
        self.calls: Counter = Counter()  # (service, operation) -> calls let through, retries not counted

    def _guard(self, model, **_) -> None:
        service = model.service_model.service_name
        if (service, model.name) not in self.allowed:
            raise OperationNotAllowed(f"{service}:{model.name} is not in the {self.name} allow-list; refused before sending")
        with self._lock:
            self.calls[(service, model.name)] += 1

    def client(self, service: str, region: str | None = None):
        key = (service, region)
        with self._lock:  # creating clients is not thread-safe in botocore
            if key not in self._cache:
                client = self.session.client(service, region_name=region, config=self._config)
                client.meta.events.register("before-call", self._guard)
                self._cache[key] = client
            return self._cache[key]


def read_only_clients(session: boto3.Session, catalog=None, **kwargs) -> Clients:
    from . import catalog as catalog_module

    catalog = catalog or catalog_module.load()
    return Clients(session, catalog.operations(), name="read-only catalog", **kwargs)
