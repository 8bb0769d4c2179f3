import json
import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import hcl2
import parliament
import pytest
import yaml
from hcl2.utils import SerializationOptions

from terraform_support import OFFLINE_PROVIDER, PLUGINS, needs_plugins, needs_terraform, terraform, terraform_env
from sagecheck import catalog
from sagecheck.errors import InputError
from sagecheck.iam import generate
from sagecheck.iam.generate import MANAGED_POLICY_LIMIT, Scope

ACCOUNT = "123456789012"
REGIONS_17 = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "sa-east-1",
)  # fmt: skip
WIDE = Scope()
NARROW = Scope(regions=REGIONS_17, account=ACCOUNT)
TRAINING = "arn:${Partition}:sagemaker:${Region}:${Account}:training-job/${TrainingJobName}"
ROLE = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"


@dataclass(frozen=True)
class Entry:
    action: str
    resource_arns: tuple[str, ...]


def entries():
    return catalog.load().entries


def size(document) -> int:
    return len(re.sub(r"\s", "", json.dumps(document)))


def actions_of(documents) -> list[str]:
    return [a for d in documents for s in d["Statement"] for a in s["Action"]]


# --- resource_patterns ------------------------------------------------------------------------------------------------


def test_sagemaker_pattern_one_per_region():
    scope = Scope(regions=("us-east-1", "eu-west-1"), account=ACCOUNT)
    assert generate.resource_patterns(TRAINING, scope) == [
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/*",
        "arn:aws:sagemaker:eu-west-1:123456789012:training-job/*",
    ]


def test_sagemaker_pattern_wildcard_scope():
    assert generate.resource_patterns(TRAINING, WIDE) == ["arn:aws:sagemaker:*:*:training-job/*"]


def test_iam_pattern_ignores_regions():
    assert generate.resource_patterns(ROLE, NARROW) == ["arn:aws:iam::123456789012:role/*"]
    assert generate.resource_patterns(ROLE, Scope(partition="aws-cn")) == ["arn:aws-cn:iam::*:role/*"]


def test_multi_placeholder_pattern():
    app = "arn:${Partition}:sagemaker:${Region}:${Account}:app/${DomainId}/${UserProfileName}/${AppType}/${AppName}"
    assert generate.resource_patterns(app, Scope(regions=("us-east-1",))) == ["arn:aws:sagemaker:us-east-1:*:app/*/*/*/*"]
    glued = "arn:${Partition}:s3:::${BucketName}${ObjectName}"
    assert generate.resource_patterns(glued, WIDE) == ["arn:aws:s3:::*"]


def test_wildcard_template_stays_wildcard():
    assert generate.resource_patterns("*", NARROW) == ["*"]


def test_scope_validation():
    assert Scope(regions=("us-east-1", "*")).regions == ("*",)
    for bad in ({"account": "12345"}, {"regions": ()}, {"regions": ("us east",)}, {"partition": "azure"}):
        with pytest.raises(InputError):
            Scope(**bad)


# --- policy_documents -------------------------------------------------------------------------------------------------


def test_no_entries_no_documents():
    assert generate.policy_documents([], WIDE) == []


@pytest.mark.parametrize("scope", [WIDE, NARROW], ids=["wide", "narrow"])
def test_wildcard_only_actions_get_their_own_statement(scope):
    by_action = {e.action: e for e in entries()}
    for document in generate.policy_documents(entries(), scope):
        assert document["Version"] == "2012-10-17"
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Action"] == sorted(statement["Action"])
            wildcard = [by_action[a].wildcard_only for a in statement["Action"]]
            if statement["Resource"] == "*":
                assert all(wildcard)
            else:
                assert not any(wildcard)
                assert all(r.startswith("arn:aws:") for r in statement["Resource"])


@pytest.mark.parametrize("scope", [WIDE, NARROW], ids=["wide", "narrow"])
def test_every_action_exactly_once_and_sids_valid(scope):
    documents = generate.policy_documents(entries(), scope)
    actions = actions_of(documents)
    assert sorted(actions) == sorted(e.action for e in entries())
    for document in documents:
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(sids) == len(set(sids))
        assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)


def test_statements_reach_exactly_the_catalog_arns():
    documents = generate.policy_documents(entries(), NARROW)
    statements = [s for d in documents for s in d["Statement"]]
    resources_of = {a: {s["Resource"]} if s["Resource"] == "*" else set(s["Resource"]) for s in statements for a in s["Action"]}
    for entry in entries():
        expected = {p for t in entry.resource_arns for p in generate.resource_patterns(t, NARROW)}
        assert resources_of[entry.action] == expected


def test_deterministic_whatever_the_input_order():
    shuffled = list(entries())
    random.Random(7).shuffle(shuffled)
    assert generate.policy_documents(shuffled, NARROW) == generate.policy_documents(entries(), NARROW)


def test_sids_do_not_depend_on_scope():
    def sids(scope):
        return sorted(s["Sid"] for d in generate.policy_documents(entries(), scope) for s in d["Statement"])

    assert sids(WIDE) == sids(Scope(regions=("us-east-1",), account=ACCOUNT))
    assert "SagemakerCluster" in sids(WIDE) and "WildcardOnly" in sids(WIDE)


def test_duplicate_entries_are_merged():
    documents = generate.policy_documents([Entry("sagemaker:DescribeTrainingJob", (TRAINING,))] * 2, WIDE)
    assert actions_of(documents) == ["sagemaker:DescribeTrainingJob"]


def test_full_catalog_splits_with_17_regions():
    assert len(generate.policy_documents(entries(), WIDE)) == 1
    documents = generate.policy_documents(entries(), NARROW)
    assert size({"Version": "2012-10-17", "Statement": [s for d in documents for s in d["Statement"]]}) > MANAGED_POLICY_LIMIT
    assert len(documents) > 1
    assert all(size(d) <= MANAGED_POLICY_LIMIT for d in documents)
    assert sorted(actions_of(documents)) == sorted(e.action for e in entries())


def test_one_oversized_statement_has_its_actions_split():
    synthetic = [Entry(f"sagemaker:DescribeThing{i:04d}", (TRAINING,)) for i in range(400)]
    documents = generate.policy_documents(synthetic, NARROW)
    assert len(documents) > 1
    assert all(size(d) <= MANAGED_POLICY_LIMIT for d in documents)
    assert sorted(actions_of(documents)) == sorted(e.action for e in synthetic)
    sids = [s["Sid"] for d in documents for s in d["Statement"]]
    assert len(sids) == len(set(sids))


def test_one_oversized_resource_list_is_split():
    templates = tuple(f"arn:${{Partition}}:sagemaker:${{Region}}:${{Account}}:kind{i}/${{Name}}" for i in range(10))
    documents = generate.policy_documents([Entry("sagemaker:DescribeMany", templates)], NARROW)
    assert len(documents) > 1
    assert all(size(d) <= MANAGED_POLICY_LIMIT for d in documents)
    reached = {r for d in documents for s in d["Statement"] for r in s["Resource"]}
    assert reached == {p for t in templates for p in generate.resource_patterns(t, NARROW)}


ONE_REGION = Scope(regions=("eu-west-1",), account=ACCOUNT)


@pytest.mark.parametrize("scope", [WIDE, NARROW, ONE_REGION], ids=["wide", "narrow", "one-region"])
def test_parliament_has_no_findings(scope):
    for document in generate.policy_documents(entries(), scope):
        findings = parliament.analyze_policy_string(json.dumps(document)).findings
        assert [(f.issue, f.detail) for f in findings] == []


# --- trust policy and JSON ----------------------------------------------------------------------------------------------


def test_render_json():
    one = generate.policy_documents(entries(), WIDE)
    assert json.loads(generate.render_json(one)) == one[0]
    several = generate.policy_documents(entries(), NARROW)
    assert json.loads(generate.render_json(several)) == several


# --- CloudFormation ----------------------------------------------------------------------------------------------------


class CfnLoader(yaml.SafeLoader):
    pass


def _tagged(tag):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {tag: value}

    return construct


for _tag in ("Ref", "Sub", "If", "Equals", "Not", "GetAtt", "Join", "Condition"):
    CfnLoader.add_constructor(f"!{_tag}", _tagged(_tag))


def cfn(documents, *, with_role, scope):
    return yaml.load(generate.render_cloudformation(documents, with_role=with_role, scope=scope), Loader=CfnLoader)


def _resolve(document, account, partition="aws"):
    """The policy as deployed: !Sub strings substituted."""

    def walk(node):
        if isinstance(node, dict) and set(node) == {"Sub"}:
            return node["Sub"].replace("${AWS::AccountId}", account).replace("${AWS::Partition}", partition)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)


def policies_of(template):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"}


@pytest.mark.parametrize("scope", [WIDE, NARROW], ids=["wide", "narrow"])
def test_cloudformation_one_managed_policy_per_document(scope):
    documents = generate.policy_documents(entries(), scope)
    template = cfn(documents, with_role=False, scope=scope)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert "Parameters" not in template and "ScannerRole" not in template["Resources"]
    policies = policies_of(template)
    assert len(policies) == len(documents)
    deployed = [_resolve(p["Properties"]["PolicyDocument"], ACCOUNT) for p in policies.values()]
    assert sorted(actions_of(deployed)) == sorted(e.action for e in entries())
    assert all(size(d) <= MANAGED_POLICY_LIMIT for d in deployed)
    assert set(template["Outputs"]) == {f"{name}Arn" for name in policies}


def test_cloudformation_pins_the_stack_account_when_scope_has_none():
    text = generate.render_cloudformation(generate.policy_documents(entries(), WIDE), with_role=False, scope=WIDE)
    assert "arn:${AWS::Partition}:sagemaker:*:${AWS::AccountId}:cluster/*" in text
    text = generate.render_cloudformation(generate.policy_documents(entries(), NARROW), with_role=False, scope=NARROW)
    assert "arn:${AWS::Partition}:sagemaker:us-east-1:123456789012:cluster/*" in text
    assert "${AWS::AccountId}" not in text


def test_cloudformation_repacks_when_the_account_makes_a_policy_too_big():
    scope = Scope(regions=REGIONS_17)
    # 7 statements of 17 regional ARNs fit one document with account "*", not with 12 digits.
    template = "arn:${{Partition}}:sagemaker:${{Region}}:${{Account}}:kind{}/${{Name}}"
    synthetic = [Entry(f"sagemaker:DescribeThing{i}", (template.format(i),)) for i in range(7)]
    documents = generate.policy_documents(synthetic, scope)
    policies = policies_of(cfn(documents, with_role=False, scope=scope))
    deployed = [_resolve(p["Properties"]["PolicyDocument"], ACCOUNT) for p in policies.values()]
    assert len(deployed) > len(documents)
    assert all(size(d) <= MANAGED_POLICY_LIMIT for d in deployed)
    assert sorted(actions_of(deployed)) == sorted(e.action for e in synthetic)


def test_cloudformation_role():
    documents = generate.policy_documents(entries(), NARROW)
    template = cfn(documents, with_role=True, scope=NARROW)
    assert set(template["Parameters"]) == {"ScannerPrincipalArn", "ExternalId", "PermissionsBoundaryArn"}
    assert template["Parameters"]["PermissionsBoundaryArn"]["Default"] == ""
    assert template["Parameters"]["ExternalId"]["NoEcho"] is True
    role = template["Resources"]["ScannerRole"]
    assert role["Type"] == "AWS::IAM::Role"
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"AWS": {"Ref": "ScannerPrincipalArn"}}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": name} for name in policies_of(template)]
    assert role["Properties"]["PermissionsBoundary"]["If"][0] == "HasPermissionsBoundary"
    assert template["Conditions"]["HasPermissionsBoundary"] == {"Not": [{"Equals": [{"Ref": "PermissionsBoundaryArn"}, ""]}]}
    assert template["Outputs"]["ScannerRoleArn"]["Value"] == {"GetAtt": "ScannerRole.Arn"}


def test_cloudformation_needs_something_to_create():
    with pytest.raises(ValueError):
        generate.render_cloudformation([], with_role=False, scope=WIDE)
    assert policies_of(cfn([], with_role=True, scope=WIDE)) == {}


@pytest.mark.skipif(shutil.which("cfn-lint") is None, reason="cfn-lint is not installed")
def test_cfn_lint(tmp_path):
    paths = []
    for scope, with_role in ((WIDE, True), (NARROW, False)):
        paths.append(tmp_path / f"role-{with_role}.yaml")
        documents = generate.policy_documents(entries(), scope)
        paths[-1].write_text(generate.render_cloudformation(documents, with_role=with_role, scope=scope))
    result = subprocess.run(["cfn-lint", *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Terraform -----------------------------------------------------------------------------------------------------------


def hcl_policy_actions(main_tf: str) -> list[str]:
    parsed = hcl2.loads(main_tf, serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False))
    actions = []
    for block in parsed.get("data", []):
        for name, body in block.get("aws_iam_policy_document", {}).items():
            if name != "assume_role":
                actions += [a for statement in body["statement"] for a in statement["actions"]]
    return actions


@pytest.mark.parametrize("with_role", [False, True])
@pytest.mark.parametrize("subset", [slice(None), slice(None, None, 11)], ids=["full", "five"])
def test_hcl_reads_back_exactly_the_actions(subset, with_role):
    chosen = entries()[subset]
    assert subset.step is None or len(chosen) == 5
    for scope in (WIDE, NARROW):
        files = generate.render_terraform(generate.policy_documents(chosen, scope), with_role=with_role)
        actions = hcl_policy_actions(files["main.tf"])
        assert sorted(actions) == sorted(e.action for e in chosen)


def test_terraform_file_set_and_variables():
    files = generate.render_terraform(generate.policy_documents(entries(), NARROW), with_role=True)
    assert list(files) == ["versions.tf", "variables.tf", "main.tf", "outputs.tf"]
    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    blocks = hcl2.loads(files["variables.tf"], serialization_options=options)["variable"]
    variables = {name: body for block in blocks for name, body in block.items()}
    assert set(variables) == {
        "name_prefix", "attach_to_role_name", "partition", "regions", "account_id",
        "scanner_principal_arn", "external_id", "permissions_boundary_arn",
    }  # fmt: skip
    assert variables["external_id"]["sensitive"] is True
    assert variables["name_prefix"]["default"] == "sagecheck"
    assert variables["attach_to_role_name"]["default"] is None
    assert variables["permissions_boundary_arn"]["default"] is None
    plain = generate.render_terraform(generate.policy_documents(entries(), NARROW), with_role=False)
    assert "scanner_principal_arn" not in plain["variables.tf"] and "aws_iam_role\"" not in plain["main.tf"]
    assert "role_arn" not in plain["outputs.tf"]
    main = files["main.tf"]
    assert main.count('resource "aws_iam_policy"') == len(generate.policy_documents(entries(), NARROW))
    assert "[for region in var.regions :" in main and 'values   = [var.external_id]' in main


def test_terraform_defaults_follow_the_scope():
    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)

    def defaults(**scope):
        files = generate.render_terraform([], with_role=False, **scope)
        blocks = hcl2.loads(files["variables.tf"], serialization_options=options)["variable"]
        return {name: body.get("default") for block in blocks for name, body in block.items()}

    assert defaults() == {"name_prefix": "sagecheck", "attach_to_role_name": None, "partition": "aws", "regions": ["*"], "account_id": "*"}
    narrow = defaults(scope=Scope(partition="aws-cn", regions=("cn-north-1", "cn-northwest-1"), account=ACCOUNT))
    assert (narrow["partition"], narrow["regions"], narrow["account_id"]) == ("aws-cn", ["cn-north-1", "cn-northwest-1"], ACCOUNT)


def test_write_terraform(tmp_path):
    files = generate.render_terraform(generate.policy_documents(entries(), WIDE), with_role=False)
    out = tmp_path / "a" / "module"
    generate.write_terraform(files, out)
    assert {p.name: p.read_text() for p in out.iterdir()} == files


def test_write_terraform_leaves_no_half_module(tmp_path):
    out = tmp_path / "module"
    broken = {"versions.tf": "terraform {}\n", "main.tf": "\ud800"}  # the second file cannot be encoded
    with pytest.raises(UnicodeEncodeError):
        generate.write_terraform(broken, out)
    assert list(out.iterdir()) == []
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError):
        generate.write_terraform({"main.tf": ""}, tmp_path / "file" / "module")
    with pytest.raises(ValueError):
        generate.write_terraform({"../main.tf": ""}, out)


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory):
    return terraform_env(tmp_path_factory)


@pytest.fixture(scope="module")
def tf_modules(tmp_path_factory):
    """Full-catalog modules: one policy for any region, and several for 17 named regions, with the role."""
    modules = {}
    for name, scope, with_role in (("single", WIDE, False), ("split", NARROW, True)):
        folder = tmp_path_factory.mktemp(f"tf-{name}")
        documents = generate.policy_documents(entries(), scope)
        generate.write_terraform(generate.render_terraform(documents, with_role=with_role, scope=scope), folder)
        modules[name] = (folder, documents)
    return modules


@needs_terraform
def test_terraform_fmt_is_canonical(tf_modules, tf_env):
    for folder, _ in tf_modules.values():
        terraform(tf_env, folder, "fmt", "-check", "-diff")


@needs_terraform
@needs_plugins
def test_terraform_validate(tf_modules, tf_env):
    for folder, _ in tf_modules.values():
        terraform(tf_env, folder, "init", "-backend=false", f"-plugin-dir={PLUGINS}", "-input=false")
        terraform(tf_env, folder, "validate")


ROOT_MODULE = OFFLINE_PROVIDER + """
module "sagecheck" {
  source     = "%(source)s"
  regions    = %(regions)s
  account_id = "%(account)s"
  %(role)s
}
"""


def plan_root(tmp_path, env, module: Path, scope: Scope, with_role: bool):
    role = 'scanner_principal_arn = "arn:aws:iam::111122223333:role/scanner"\n  external_id = "ext-id-42"' if with_role else ""
    values = {"source": module, "regions": json.dumps(list(scope.regions)), "account": scope.account, "role": role}
    (tmp_path / "main.tf").write_text(ROOT_MODULE % values)
    terraform(env, tmp_path, "init", "-backend=false", f"-plugin-dir={PLUGINS}", "-input=false")
    return terraform(env, tmp_path, "plan", "-input=false", "-out=plan.bin", check=False)


@needs_terraform
@needs_plugins
def test_terraform_plan_builds_the_same_policies(tf_modules, tf_env, tmp_path):
    folder, documents = tf_modules["split"]
    result = plan_root(tmp_path, tf_env, folder, NARROW, with_role=True)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(terraform(tf_env, tmp_path, "show", "-json", "plan.bin").stdout)
    resources = shown["planned_values"]["root_module"]["child_modules"][0]["resources"]
    planned = {r["name"]: json.loads(r["values"]["policy"]) for r in resources if r["type"] == "aws_iam_policy"}

    def normal(document):
        def listed(value):
            return sorted([value] if isinstance(value, str) else value)

        return {s["Sid"]: (listed(s["Action"]), listed(s["Resource"])) for s in document["Statement"]}

    assert {name: normal(doc) for name, doc in planned.items()} == {f"read_{i}": normal(d) for i, d in enumerate(documents, 1)}
    [role] = [r for r in resources if r["type"] == "aws_iam_role"]
    [trust] = json.loads(role["values"]["assume_role_policy"])["Statement"]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-id-42"}}


@needs_terraform
@needs_plugins
def test_terraform_refuses_a_policy_too_big_for_its_scope(tf_modules, tf_env, tmp_path):
    folder, _ = tf_modules["single"]  # generated for any region: one document
    result = plan_root(tmp_path, tf_env, folder, NARROW, with_role=False)
    assert result.returncode != 0
    assert "managed-policy limit" in result.stderr
