"""Turn catalog actions into IAM policy documents, and those into JSON, CloudFormation or a Terraform module.

Everything here is pure except write_terraform, the one function that touches the filesystem.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol, Sequence

import jinja2
import yaml

from ..errors import InputError

POLICY_VERSION = "2012-10-17"
MANAGED_POLICY_LIMIT = 6144  # characters, whitespace not counted
WILDCARD_SID = "WildcardOnly"
TERRAFORM_FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_WHITESPACE = re.compile(r"\s")
_ACCOUNT = re.compile(r"^(\*|\d{12})$")
_REGION = re.compile(r"^(\*|[a-z]{2}(-[a-z0-9]+)+)$")


class HasActionAndArns(Protocol):
    @property
    def action(self) -> str: ...

    @property
    def resource_arns(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Scope:
    partition: str = "aws"
    regions: tuple[str, ...] = ("*",)
    account: str = "*"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"aws[a-z-]*", self.partition):
            raise InputError(f"invalid partition {self.partition!r}")
        if not _ACCOUNT.match(self.account):
            raise InputError(f"invalid account {self.account!r}: expected 12 digits or '*'")
        if not self.regions or not all(_REGION.match(r) for r in self.regions):
            raise InputError(f"invalid regions {list(self.regions)!r}")
        # "*" already covers every other region.
        regions = ("*",) if "*" in self.regions else tuple(dict.fromkeys(self.regions))
        object.__setattr__(self, "regions", regions)


def resource_patterns(arn_template: str, scope: Scope) -> list[str]:
    """A policy_sentry ARN template as concrete ARN patterns: one per region for regional ARNs."""
    regions = scope.regions if "${Region}" in arn_template else ("",)
    patterns = []
    for region in regions:
        values = {"Partition": scope.partition, "Region": region, "Account": scope.account}
        arn = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "*"), arn_template)
        patterns.append(re.sub(r"\*{2,}", "*", arn))
    return list(dict.fromkeys(patterns))


def _size(document: dict) -> int:
    return len(_WHITESPACE.sub("", json.dumps(document)))


def _document(statements: list[dict]) -> dict:
    return {"Version": POLICY_VERSION, "Statement": statements}


def _camel(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text))


def _sid(templates: Sequence[str]) -> str:
    """'IamGroupRoleUser' for iam group/role/user ARNs: named after what the statement reaches, not after the scope."""
    by_service: dict[str, list[str]] = {}
    for template in sorted(templates):
        _, _, service, _, _, resource = template.split(":", 5)
        kind = re.split(r"[/:]", resource, maxsplit=1)[0]
        by_service.setdefault(service, [])
        if kind not in by_service[service]:
            by_service[service].append(kind)
    return "".join(_camel(service) + "".join(_camel(k) for k in kinds) for service, kinds in by_service.items())


def _fit(statement: dict, size=_size) -> list[dict]:
    """The statement, or pieces of it (by actions, then by resources) that each fit a document alone."""
    if size(_document([statement])) <= MANAGED_POLICY_LIMIT:
        return [statement]
    for key in ("Action", "Resource"):
        items = statement[key]
        if not isinstance(items, list) or len(items) < 2:
            continue
        parts: list[list[str]] = [[]]
        for item in items:
            if parts[-1] and size(_document([{**statement, key: parts[-1] + [item]}])) > MANAGED_POLICY_LIMIT:
                parts.append([])
            parts[-1].append(item)
        pieces = [
            {**statement, "Sid": statement["Sid"] + (f"Part{i}" if i > 1 else ""), key: part} for i, part in enumerate(parts, 1)
        ]
        return [fitted for piece in pieces for fitted in _fit(piece, size)]
    raise ValueError(f"statement {statement['Sid']} cannot fit in {MANAGED_POLICY_LIMIT} characters")


def _pack(statements: list[dict], size=_size) -> list[dict]:
    """First fit, in order: deterministic, and rarely more documents than needed."""
    documents: list[list[dict]] = []
    for statement in (piece for s in statements for piece in _fit(s, size)):
        for doc in documents:
            if size(_document(doc + [statement])) <= MANAGED_POLICY_LIMIT:
                doc.append(statement)
                break
        else:
            documents.append([statement])
    return [_document(doc) for doc in documents]


def policy_documents(entries: Sequence[HasActionAndArns], scope: Scope) -> list[dict]:
    templates: dict[str, set[str]] = {}
    for entry in entries:
        templates.setdefault(entry.action, set()).update(entry.resource_arns)

    groups: dict[tuple[str, ...], list[str]] = {}
    group_templates: dict[tuple[str, ...], set[str]] = {}
    for action, arns in templates.items():
        # An action that needs "*" for any of its forms gets "*": scoping it would deny that form.
        key = ("*",) if "*" in arns else tuple(sorted({p for t in arns for p in resource_patterns(t, scope)}))
        groups.setdefault(key, []).append(action)
        group_templates.setdefault(key, set()).update(arns)

    statements = []
    for key, actions in groups.items():
        sid = WILDCARD_SID if key == ("*",) else _sid(sorted(group_templates[key]))
        resource = "*" if key == ("*",) else list(key)
        statements.append({"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resource})
    statements.sort(key=lambda s: (s["Sid"] != WILDCARD_SID, s["Sid"], s["Action"]))
    seen: dict[str, int] = {}
    for statement in statements:
        seen[statement["Sid"]] = seen.get(statement["Sid"], 0) + 1
        if seen[statement["Sid"]] > 1:
            statement["Sid"] += f"Group{seen[statement['Sid']]}"
    return _pack(statements)


def render_json(documents: list[dict]) -> str:
    return json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n"


def _environment(kind: str) -> jinja2.Environment:
    folder = resources.files("sagecheck") / "templates" / kind
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (folder / name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


class _Sub(str):
    """A string CloudFormation must substitute: dumped as !Sub."""


class _CfnDumper(yaml.SafeDumper):
    pass


_CfnDumper.add_representer(_Sub, lambda dumper, value: dumper.represent_scalar("!Sub", str(value), style="'"))


def _cfn_arn(arn: str, scope: Scope) -> str:
    """The stack knows its partition and account, so pin them rather than leave "*"."""
    if not arn.startswith("arn:"):
        return arn
    parts = arn.split(":", 5)
    parts[1] = "${AWS::Partition}"
    if parts[4] == "*" and scope.account == "*":
        parts[4] = "${AWS::AccountId}"
    return _Sub(":".join(parts))


def render_cloudformation(documents: list[dict], *, with_role: bool, scope: Scope) -> str:
    def resolved_size(document: dict) -> int:
        text = json.dumps(document).replace("${AWS::AccountId}", "0" * 12).replace("${AWS::Partition}", scope.partition)
        return len(_WHITESPACE.sub("", text))

    statements = [
        {**s, "Resource": s["Resource"] if s["Resource"] == "*" else [_cfn_arn(a, scope) for a in s["Resource"]]}
        for doc in documents
        for s in doc["Statement"]
    ]
    # A 12-digit account is longer than "*", so pack again by deployed size. First fit over the documents' own
    # statement order gives back the same documents whenever they all still fit.
    docs = _pack(statements, resolved_size)
    if not docs and not with_role:
        raise ValueError("nothing to render: no policy documents and no role")
    policies = [
        {"name": f"ReadPolicy{i}", "body": yaml.dump(doc, Dumper=_CfnDumper, sort_keys=False, width=1000).rstrip()}
        for i, doc in enumerate(docs, 1)
    ]
    return _environment("cloudformation").get_template("sagecheck.yaml.j2").render(policies=policies, with_role=with_role)


def _hcl_string(text: str) -> str:
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def _hcl_resources(resource: str | list[str]) -> list[str]:
    """Each ARN as an HCL list expression built from the module's variables; regional ARNs loop over var.regions."""
    if resource == "*":
        return ['["*"]']
    expressions = []
    for arn in resource:
        _, _, service, region, account, rest = arn.split(":", 5)
        account = "${var.account_id}" if account else ""
        body = _hcl_string(rest)[1:-1]
        if region:
            expression = f'[for region in var.regions : "arn:${{var.partition}}:{service}:${{region}}:{account}:{body}"]'
        else:
            expression = f'["arn:${{var.partition}}:{service}::{account}:{body}"]'
        if expression not in expressions:
            expressions.append(expression)
    return expressions


def render_terraform(documents: list[dict], *, with_role: bool, scope: Scope = Scope()) -> dict[str, str]:
    """scope only sets the variables' defaults; the default Scope() means any region of any account."""
    policies = [
        {
            "name": f"read_{i}",
            "number": i,
            "statements": [
                {
                    "sid": _hcl_string(s["Sid"]),
                    "actions": [_hcl_string(a) for a in s["Action"]],
                    "resources": _hcl_resources(s["Resource"]),
                }
                for s in doc["Statement"]
            ],
        }
        for i, doc in enumerate(documents, 1)
    ]
    env = _environment("terraform")
    defaults = {
        "partition": _hcl_string(scope.partition),
        "regions": "[" + ", ".join(_hcl_string(r) for r in scope.regions) + "]",
        "account_id": _hcl_string(scope.account),
    }
    context = {"policies": policies, "with_role": with_role, "limit": MANAGED_POLICY_LIMIT, "defaults": defaults}
    return {name: env.get_template(f"{name}.j2").render(**context) for name in TERRAFORM_FILES}


def write_terraform(files: dict[str, str], out_dir: Path) -> None:
    """Write every file to a temporary name first, then rename them all: a failure leaves no half module."""
    for name in files:
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"not a plain file name: {name!r}")
    staged: list[tuple[Path, Path]] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            temp = out_dir / f".{name}.{os.getpid()}.tmp"
            staged.append((temp, out_dir / name))
            temp.write_text(text, encoding="utf-8")
        for temp, target in staged:
            os.replace(temp, target)
    except OSError as exc:
        raise InputError(f"cannot write the Terraform module to {out_dir}: {exc.strerror or exc}") from exc
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
