"""Answer AWS operations that moto lacks, at the HTTP layer, exactly as AWS would.

A handler registered first on `before-send` answers with a real HTTP-shaped response, so botocore's own
parser, error mapping and retry logic all run. The response body is validated against the operation's
output shape before it is serialized. Fault injection (throttling, 5xx, AccessDenied) uses the same path,
so retries are exercised for real.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

Handler = Callable[[dict], dict]
# Pointing a request we answer at a host moto does not know keeps moto's own stubber from also running it.
_ANSWERED_URL = "https://sagecheck-fake.invalid/"


class FakeError(Exception):
    """A modelled AWS error, e.g. FakeError("ThrottlingException", "Rate exceeded", status=400)."""

    def __init__(self, code: str, message: str = "", status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any):
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@dataclass
class FaultPlan:
    """Inject a fault into a share of calls: `rate` of matching calls fail with `error`, from a seeded RNG."""

    rate: float
    error: FakeError
    services: tuple[str, ...] = ("sagemaker",)
    operations: tuple[str, ...] = ()  # empty: every operation of those services
    seed: int = 7
    injected: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self):
        self._rng = random.Random(self.seed)

    def fires(self, service: str, operation: str) -> bool:
        if service not in self.services or (self.operations and operation not in self.operations):
            return False
        if self._rng.random() < self.rate:
            self.injected += 1
            return True
        return False


class FakeAws:
    """Handlers per (service, operation); install on a boto3 Session before creating clients."""

    def __init__(self):
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.faults: list[FaultPlan] = []
        self.calls: list[tuple[str, str]] = []
        self._current = threading.local()
        self._lock = threading.Lock()

    def on(self, service: str, operation: str, handler: Handler) -> None:
        self.handlers[(service, operation)] = handler

    def install(self, session) -> None:
        events = session.events
        events.register_first("before-parameter-build", self._capture)
        events.register_first("before-send", self._send)

    def _capture(self, params, model, **_: Any) -> None:
        service = model.service_model.service_name
        self._current.call = (service, model.name, dict(params), model)

    def _send(self, request, **_: Any):
        service, operation, params, model = self._current.call
        with self._lock:
            self.calls.append((service, operation))
            fault = next((f.error for f in self.faults if f.fires(service, operation)), None)
        handler = self.handlers.get((service, operation))
        if fault is None and handler is None:
            return None  # moto serves it
        request.url = _ANSWERED_URL
        try:
            if fault is not None:
                raise fault
            body = handler(params)
        except FakeError as error:
            return _error_response(model, error)
        return _response(model, body)


def _validate(model, body: dict) -> None:
    report = ParamValidator().validate(body, model.output_shape)
    if report.has_errors():
        raise AssertionError(f"fake {model.name} response does not match botocore's model:\n{report.generate_report()}")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


def _response(model, body: dict) -> AWSResponse:
    _validate(model, body)
    protocol = model.service_model.protocol
    if protocol == "json":
        payload = json.dumps(body, default=_json_default).encode()
        headers = {"x-amzn-requestid": "fake", "content-type": "application/x-amz-json-1.1"}
    elif protocol == "query":
        inner = _xml(model.output_shape, body) if model.output_shape else ""
        payload = (
            f"<{model.name}Response><{model.name}Result>{inner}</{model.name}Result>"
            f"<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></{model.name}Response>"
        ).encode()
        headers = {"x-amzn-requestid": "fake", "content-type": "text/xml"}
    else:
        raise NotImplementedError(f"fakes speak json and query, not {protocol}")
    return AWSResponse(_ANSWERED_URL, 200, headers, _Raw(payload))


def _error_response(model, error: FakeError) -> AWSResponse:
    if model.service_model.protocol == "json":
        payload = json.dumps({"__type": error.code, "message": error.message}).encode()
    else:
        payload = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
            f"<Message>{escape(error.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
        ).encode()
    return AWSResponse(_ANSWERED_URL, error.status, {"x-amzn-requestid": "fake"}, _Raw(payload))


def _xml(shape, value: Any) -> str:
    """Serialize a value as the query protocol's XML for `shape` (structures, lists, scalars)."""
    if shape.type_name == "structure":
        parts = []
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                tag = member.serialization.get("name", name)
                parts.append(f"<{tag}>{_xml(member, value[name])}</{tag}>")
        return "".join(parts)
    if shape.type_name == "list":
        tag = shape.member.serialization.get("name", "member")
        return "".join(f"<{tag}>{_xml(shape.member, item)}</{tag}>" for item in value)
    if shape.type_name == "map":
        return "".join(
            f"<entry><key>{escape(str(k))}</key><value>{_xml(shape.value, v)}</value></entry>" for k, v in value.items()
        )
    if shape.type_name == "timestamp":
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))
