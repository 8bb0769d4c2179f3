"""The local IAM evaluator against AWS's documented evaluation logic, one rule per test."""
import pytest

from sagecheck.errors import InputError
from sagecheck.iam.evaluate import Decision, Request, evaluate, parse_policy

ALLOWED, IMPLICIT, EXPLICIT, INCONCLUSIVE = (
    Decision.ALLOWED,
    Decision.IMPLICIT_DENY,
    Decision.EXPLICIT_DENY,
    Decision.INCONCLUSIVE,
)
ACCT = "111122223333"
CLUSTER = f"arn:aws:sagemaker:us-east-1:{ACCT}:cluster/abc"
ROLE = f"arn:aws:iam::{ACCT}:role/scanner"
CONTEXT = {
    "aws:RequestedRegion": "us-east-1",
    "aws:PrincipalArn": ROLE,
    "aws:PrincipalAccount": ACCT,
    "aws:SecureTransport": True,
}


def stmt(effect="Allow", action="sagemaker:ListClusters", resource="*", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def pol(*statements, source="role.json"):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, source)


def req(action="sagemaker:ListClusters", resource="*", context=None):
    return Request(action, resource, CONTEXT if context is None else context)


def decide(*statements, request=None, **layers):
    return evaluate(request or req(), [pol(*statements)], **layers).decision


# ---------------------------------------------------------------- explicit and implicit deny


def test_explicit_deny_wins_over_allow_in_identity():
    result = evaluate(req(), [pol(stmt(), stmt("Deny", "sagemaker:*", Sid="NoSM"))])
    assert result.decision is EXPLICIT
    assert result.reason == "denied by statement 'NoSM' in role.json"


def test_explicit_deny_in_another_identity_document_wins():
    result = evaluate(req(), [pol(stmt()), pol(stmt("Deny"), source="guard.json")])
    assert result.decision is EXPLICIT
    assert result.reason == "denied by statement #1 in guard.json"


def test_explicit_deny_in_boundary_wins():
    boundary = [pol(stmt(action="*"), stmt("Deny", Sid="B"), source="boundary.json")]
    result = evaluate(req(), [pol(stmt())], boundary=boundary)
    assert result.decision is EXPLICIT and "boundary.json" in result.reason


def test_explicit_deny_in_scp_wins():
    scps = [pol(stmt(action="*"), source="FullAWSAccess"), pol(stmt("Deny", Sid="NoSM"), source="scp.json")]
    result = evaluate(req(), [pol(stmt())], boundary=[pol(stmt())], scps=scps)
    assert result == result.__class__(EXPLICIT, "denied by statement 'NoSM' in scp.json")


def test_explicit_deny_wins_even_when_another_layer_is_implicit_deny():
    assert decide(stmt("Deny"), boundary=[]) is EXPLICIT


@pytest.mark.parametrize(
    "identity",
    [[], [pol(stmt(action="sagemaker:DescribeCluster"))], [pol(stmt(action="iam:ListRoles"))]],
    ids=["no-policies", "other-action", "other-service"],
)
def test_implicit_deny_when_nothing_matches(identity):
    result = evaluate(req(), identity)
    assert result.decision is IMPLICIT
    assert result.reason == "no statement in the identity policies allows sagemaker:ListClusters on *"


def test_deny_that_does_not_match_leaves_allow_alone():
    assert decide(stmt(), stmt("Deny", "sagemaker:Delete*")) is ALLOWED


# ---------------------------------------------------------------- document shapes


@pytest.mark.parametrize("action", ["sagemaker:ListClusters", ["iam:ListRoles", "sagemaker:ListClusters"]])
def test_action_as_string_or_list(action):
    assert decide(stmt(action=action)) is ALLOWED


@pytest.mark.parametrize("resource", ["*", ["arn:aws:s3:::bucket", "*"]])
def test_resource_as_string_or_list(resource):
    assert decide(stmt(resource=resource)) is ALLOWED


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: [s]], ids=["object", "list"])
def test_statement_as_object_or_list(wrap):
    policy = parse_policy({"Version": "2012-10-17", "Statement": wrap(stmt())}, "role.json")
    assert evaluate(req(), [policy]).decision is ALLOWED


def test_statements_and_documents_form_a_union():
    one = pol(stmt(action="sagemaker:ListClusters"), stmt(action="sagemaker:ListEndpoints"), source="a.json")
    two = pol(stmt(action="sagemaker:DescribeCluster", resource=CLUSTER), source="b.json")
    for action, resource in [("sagemaker:ListClusters", "*"), ("sagemaker:ListEndpoints", "*"), ("sagemaker:DescribeCluster", CLUSTER)]:
        assert evaluate(req(action, resource), [one, two]).decision is ALLOWED
    assert evaluate(req("sagemaker:DescribeEndpoint", "*"), [one, two]).decision is IMPLICIT


def test_allowed_reason_names_statement_and_source():
    result = evaluate(req(), [pol(stmt(Sid="Read"), source="AmazonSageMakerReadOnly")])
    assert result == result.__class__(ALLOWED, "allowed by statement 'Read' in AmazonSageMakerReadOnly")


# ---------------------------------------------------------------- NotAction and NotResource


def test_not_action_allow_grants_everything_else():
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    assert decide(statement) is ALLOWED
    assert decide(statement, request=req("iam:CreateUser")) is IMPLICIT


def test_not_action_deny_denies_everything_else():
    statements = (stmt(action="*"), {"Effect": "Deny", "NotAction": "sagemaker:*", "Resource": "*"})
    assert decide(*statements) is ALLOWED
    assert decide(*statements, request=req("iam:ListRoles")) is EXPLICIT


def test_not_resource():
    statement = {"Effect": "Allow", "Action": "sagemaker:DescribeCluster", "NotResource": "arn:aws:sagemaker:*:*:cluster/secret-*"}
    assert decide(statement, request=req("sagemaker:DescribeCluster", CLUSTER)) is ALLOWED
    secret = f"arn:aws:sagemaker:us-east-1:{ACCT}:cluster/secret-1"
    assert decide(statement, request=req("sagemaker:DescribeCluster", secret)) is IMPLICIT


def test_not_resource_deny():
    deny = {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:sagemaker:us-east-1:*:*"}
    west = f"arn:aws:sagemaker:us-west-2:{ACCT}:cluster/abc"
    assert decide(stmt(action="*"), deny, request=req("sagemaker:DescribeCluster", CLUSTER)) is ALLOWED
    assert decide(stmt(action="*"), deny, request=req("sagemaker:DescribeCluster", west)) is EXPLICIT


# ---------------------------------------------------------------- action matching


@pytest.mark.parametrize("pattern", ["sagemaker:listclusters", "SageMaker:LISTCLUSTERS", "sagemaker:ListClusters"])
@pytest.mark.parametrize("requested", ["sagemaker:ListClusters", "SAGEMAKER:listclusters"])
def test_action_names_match_case_insensitively(pattern, requested):
    assert decide(stmt(action=pattern), request=req(requested)) is ALLOWED


@pytest.mark.parametrize(
    "pattern, action, expected",
    [
        ("sagemaker:List*", "sagemaker:ListClusters", ALLOWED),
        ("sagemaker:List*", "sagemaker:DescribeCluster", IMPLICIT),
        ("sagemaker:List*", "sagemaker-geospatial:ListRasterDataCollections", IMPLICIT),
        ("sagemaker*:List*", "sagemaker-geospatial:ListRasterDataCollections", ALLOWED),
        ("*", "sagemaker:ListClusters", ALLOWED),
        ("sagemaker:*Cluster", "sagemaker:ListClusters", IMPLICIT),
        ("sagemaker:Describe?luster", "sagemaker:DescribeCluster", ALLOWED),
        ("sagemaker:Describe?luster", "sagemaker:DescribeClusterNode", IMPLICIT),
        ("sagemaker:List?", "sagemaker:ListClusters", IMPLICIT),
        ("sagemaker:ListCluster?", "sagemaker:ListClusters", ALLOWED),
    ],
)
def test_action_wildcards(pattern, action, expected):
    assert decide(stmt(action=pattern), request=req(action)) is expected


# ---------------------------------------------------------------- resource matching


def arn(region="us-east-1", account=ACCT, resource="cluster/abc"):
    return f"arn:aws:sagemaker:{region}:{account}:{resource}"


@pytest.mark.parametrize(
    "pattern, resource, expected",
    [
        (arn("us-east-1", "*", "*"), arn("us-east-1"), ALLOWED),
        (arn("us-east-1", "*", "*"), arn("us-west-2"), IMPLICIT),
        (arn("us-*", "*", "*"), arn("us-west-2"), ALLOWED),
        (arn("us-east-?", "*", "*"), arn("us-east-2"), ALLOWED),
        (arn("*", ACCT, "*"), arn(account=ACCT), ALLOWED),
        (arn("*", ACCT, "*"), arn(account="444455556666"), IMPLICIT),
        (arn("*", ACCT, "*"), arn(account="*"), ALLOWED),  # account not yet known: any pattern matches
        (arn("us-east-1", "*", "*"), arn(region="*"), ALLOWED),
        (arn("us-east-1", ACCT, "cluster/*"), arn(), ALLOWED),
        (arn("us-east-1", ACCT, "cluster/*"), arn(resource="endpoint/abc"), IMPLICIT),
        (arn("us-east-1", ACCT, "cluster/*"), arn(resource="Cluster/abc"), IMPLICIT),  # resource part is case-sensitive
        (arn("us-east-1", ACCT, "cluster/ab?"), arn(), ALLOWED),
        ("arn:aws:s3:::bucket/*", arn(), IMPLICIT),
        (
            "arn:aws:logs:*:*:log-group:/aws/sagemaker/*",
            f"arn:aws:logs:us-east-1:{ACCT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:job-1",
            ALLOWED,
        ),
    ],
)
def test_resource_arn_matching_per_segment(pattern, resource, expected):
    assert decide(stmt(action="*", resource=pattern), request=req("sagemaker:DescribeCluster", resource)) is expected


def test_region_scoped_deny_leaves_other_regions_alone():
    deny = stmt("Deny", "*", arn("us-east-1", "*", "*"))
    assert decide(stmt(action="*"), deny, request=req("sagemaker:DescribeCluster", arn("us-west-2"))) is ALLOWED
    assert decide(stmt(action="*"), deny, request=req("sagemaker:DescribeCluster", arn("us-east-1"))) is EXPLICIT


@pytest.mark.parametrize(
    "resource, expected",
    [("*", ALLOWED), ([arn("*", "*", "*")], IMPLICIT), (["arn:aws:sagemaker:*:*:cluster/*", arn()], IMPLICIT)],
)
def test_wildcard_only_action_needs_a_star_resource(resource, expected):
    assert decide(stmt(resource=resource), request=req("sagemaker:ListClusters", "*")) is expected


# ---------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, ALLOWED),
        ({"StringEquals": {"aws:RequestedRegion": "us-west-2"}}, IMPLICIT),
        ({"StringEquals": {"aws:RequestedRegion": ["us-west-2", "us-east-1"]}}, ALLOWED),  # values OR
        ({"StringEquals": {"aws:RequestedRegion": "US-EAST-1"}}, IMPLICIT),
        ({"StringEquals": {"AWS:REQUESTEDREGION": "us-east-1"}}, ALLOWED),  # keys are case-insensitive
        ({"StringEquals": {"aws:PrincipalAccount": ACCT}}, ALLOWED),
        ({"StringEquals": {"aws:PrincipalAccount": "444455556666"}}, IMPLICIT),
        ({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-west-2"]}}, ALLOWED),
        ({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}, IMPLICIT),  # values NOR
        ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}, ALLOWED),
        ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-WEST-2"}}, IMPLICIT),
        ({"StringNotEqualsIgnoreCase": {"aws:RequestedRegion": "US-WEST-2"}}, ALLOWED),
        ({"StringNotEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}, IMPLICIT),
        ({"StringLike": {"aws:RequestedRegion": "us-*"}}, ALLOWED),
        ({"StringLike": {"aws:RequestedRegion": "us-east-?"}}, ALLOWED),
        ({"StringLike": {"aws:RequestedRegion": ["eu-*", "ap-*"]}}, IMPLICIT),
        ({"StringLike": {"aws:RequestedRegion": "US-*"}}, IMPLICIT),  # case-sensitive
        ({"StringNotLike": {"aws:RequestedRegion": ["eu-*", "ap-*"]}}, ALLOWED),
        ({"StringNotLike": {"aws:RequestedRegion": ["eu-*", "us-*"]}}, IMPLICIT),
        ({"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/*"}}, ALLOWED),
        ({"ArnEquals": {"aws:PrincipalArn": ROLE}}, ALLOWED),
        ({"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/other"}}, IMPLICIT),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/scan*"}}, ALLOWED),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/*"}}, IMPLICIT),
        ({"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/other"}}, ALLOWED),
        ({"ArnNotEquals": {"aws:PrincipalArn": ROLE}}, IMPLICIT),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}, ALLOWED),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, IMPLICIT),
        ({"Bool": {"aws:SecureTransport": "true"}}, ALLOWED),
        ({"Bool": {"aws:SecureTransport": "TRUE"}}, ALLOWED),
        ({"Bool": {"aws:SecureTransport": True}}, ALLOWED),
        ({"Bool": {"aws:SecureTransport": "false"}}, IMPLICIT),
        # operators AND, keys AND
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1"}, "Bool": {"aws:SecureTransport": "false"}}, IMPLICIT),
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCT}}, ALLOWED),
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": "444455556666"}}, IMPLICIT),
    ],
)
def test_condition_operators_on_known_keys(condition, expected):
    assert decide(stmt(Condition=condition)) is expected


@pytest.mark.parametrize("value, expected", [("true", ALLOWED), ("false", IMPLICIT), (True, ALLOWED)])
def test_bool_accepts_string_context_values(value, expected):
    context = {"aws:SecureTransport": "True"}
    assert decide(stmt(Condition={"Bool": {"aws:SecureTransport": value}}), request=req(context=context)) is expected


def test_condition_deny_on_insecure_transport():
    deny = stmt("Deny", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    assert decide(stmt(), deny) is ALLOWED
    assert decide(stmt(), deny, request=req(context={**CONTEXT, "aws:SecureTransport": False})) is EXPLICIT


@pytest.mark.parametrize(
    "context, expected",
    [({}, ALLOWED), ({"aws:RequestedRegion": "us-east-1"}, ALLOWED), ({"aws:RequestedRegion": "us-west-2"}, IMPLICIT)],
    ids=["absent", "present-match", "present-mismatch"],
)
def test_if_exists(context, expected):
    condition = {"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}
    assert decide(stmt(Condition=condition), request=req(context=context)) is expected


def test_negated_if_exists_with_absent_key_is_true():
    condition = {"StringNotEqualsIfExists": {"aws:PrincipalAccount": ACCT}}
    assert decide(stmt(Condition=condition), request=req(context={})) is ALLOWED


@pytest.mark.parametrize(
    "value, context, expected",
    [
        ("true", {}, ALLOWED),
        ("true", {"aws:PrincipalArn": ROLE}, IMPLICIT),
        ("false", {"aws:PrincipalArn": ROLE}, ALLOWED),
        ("false", {}, IMPLICIT),
    ],
)
def test_null(value, context, expected):
    assert decide(stmt(Condition={"Null": {"aws:PrincipalArn": value}}), request=req(context=context)) is expected


@pytest.mark.parametrize(
    "operator, values, regions, expected",
    [
        ("ForAnyValue:StringEquals", ["us-east-1"], ["eu-west-1", "us-east-1"], ALLOWED),
        ("ForAnyValue:StringEquals", ["us-east-1"], ["eu-west-1", "ap-south-1"], IMPLICIT),
        ("ForAnyValue:StringLike", ["us-*"], ["eu-west-1", "us-west-2"], ALLOWED),
        ("ForAnyValue:StringNotEquals", ["us-east-1"], ["us-east-1", "eu-west-1"], ALLOWED),
        ("ForAnyValue:StringNotEquals", ["us-east-1"], ["us-east-1"], IMPLICIT),
        ("ForAllValues:StringEquals", ["us-east-1", "eu-west-1"], ["eu-west-1", "us-east-1"], ALLOWED),
        ("ForAllValues:StringEquals", ["us-east-1"], ["eu-west-1", "us-east-1"], IMPLICIT),
        ("ForAllValues:StringEquals", ["us-east-1"], [], ALLOWED),  # vacuously true on an empty set
        ("ForAllValues:StringNotLike", ["us-*"], ["eu-west-1", "ap-south-1"], ALLOWED),
        ("ForAllValues:StringNotLike", ["us-*"], ["eu-west-1", "us-east-1"], IMPLICIT),
    ],
)
def test_set_operators(operator, values, regions, expected):
    condition = {operator: {"aws:RequestedRegion": values}}
    assert decide(stmt(Condition=condition), request=req(context={"aws:RequestedRegion": regions})) is expected


# ---------------------------------------------------------------- undecidable conditions


def test_allow_with_unknown_key_is_inconclusive():
    result = evaluate(req(), [pol(stmt(Sid="Tagged", Condition={"StringEquals": {"sagemaker:ResourceTag/team": "ml"}}))])
    assert result.decision is INCONCLUSIVE
    assert "sagemaker:ResourceTag/team" in result.reason and "'Tagged'" in result.reason and "role.json" in result.reason


def test_deny_with_unknown_key_over_allow_is_inconclusive():
    deny = stmt("Deny", "sagemaker:*", Condition={"StringNotEquals": {"aws:ResourceTag/env": "dev"}})
    result = evaluate(req(), [pol(stmt()), pol(deny, source="guard.json")])
    assert result.decision is INCONCLUSIVE
    assert "aws:ResourceTag/env" in result.reason and "guard.json" in result.reason and "Deny" in result.reason


def test_deny_with_unknown_key_and_no_allow_is_implicit_deny():
    assert decide(stmt("Deny", Condition={"StringEquals": {"aws:ResourceTag/env": "prod"}})) is IMPLICIT


def test_definite_allow_beats_an_undecidable_allow():
    unknown = stmt(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    assert decide(unknown, stmt()) is ALLOWED


def test_false_condition_settles_a_statement_despite_an_unknown_key():
    condition = {"StringEquals": {"aws:SourceVpc": "vpc-1", "aws:RequestedRegion": "us-west-2"}}
    assert decide(stmt(Condition=condition)) is IMPLICIT


def test_known_key_absent_from_context_is_inconclusive():
    result = evaluate(req(context={}), [pol(stmt(Condition={"StringEquals": {"aws:PrincipalAccount": ACCT}}))])
    assert result.decision is INCONCLUSIVE and "aws:PrincipalAccount" in result.reason


@pytest.mark.parametrize(
    "operator, key, value",
    [
        ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
        ("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z"),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
        ("NumericLessThan", "aws:RequestedRegion", "3"),  # known key, unsupported operator
        ("ForAnyValue:Null", "aws:RequestedRegion", "true"),
        ("Foo:StringEquals", "aws:RequestedRegion", "us-east-1"),
    ],
)
def test_unsupported_operator_is_inconclusive(operator, key, value):
    result = evaluate(req(), [pol(stmt(Condition={operator: {key: value}}), source="cond.json")])
    assert result.decision is INCONCLUSIVE
    assert operator in result.reason and "cond.json" in result.reason


# ---------------------------------------------------------------- boundaries and SCPs


@pytest.mark.parametrize(
    "boundary, expected",
    [
        (None, ALLOWED),
        ([], IMPLICIT),
        ([pol(stmt(action="sagemaker:Describe*"), source="boundary.json")], IMPLICIT),
        ([pol(stmt(action="sagemaker:List*"), source="boundary.json")], ALLOWED),
        ([pol(stmt(action="iam:*")), pol(stmt(action="sagemaker:*"))], ALLOWED),  # documents in a layer union
    ],
    ids=["no-boundary", "empty-boundary", "boundary-lacks", "both-allow", "boundary-union"],
)
def test_permission_boundary_intersects(boundary, expected):
    assert decide(stmt(), boundary=boundary) is expected


def test_boundary_cannot_grant_what_identity_lacks():
    assert decide(stmt(action="iam:ListRoles"), boundary=[pol(stmt(action="*"))]) is IMPLICIT


def test_boundary_implicit_deny_reason_names_the_layer():
    result = evaluate(req(), [pol(stmt())], boundary=[pol(stmt(action="iam:*"))])
    assert result.reason == "no statement in the permissions boundary allows sagemaker:ListClusters on *"


@pytest.mark.parametrize(
    "scps, expected",
    [
        (None, ALLOWED),
        ([], IMPLICIT),
        ([pol(stmt(action="*"), source="FullAWSAccess")], ALLOWED),
        ([pol(stmt(action="ec2:*"), source="scp.json")], IMPLICIT),
        ([pol(stmt(action="ec2:*")), pol(stmt(action="sagemaker:List*"))], ALLOWED),
    ],
    ids=["no-scps", "empty-scps", "full-access", "scp-lacks", "scp-union"],
)
def test_scps_intersect(scps, expected):
    assert decide(stmt(), boundary=[pol(stmt())], scps=scps) is expected


def test_scp_cannot_grant_what_identity_lacks():
    assert decide(stmt(action="iam:ListRoles"), scps=[pol(stmt(action="*"))]) is IMPLICIT


UNKNOWN = {"StringEquals": {"aws:ResourceTag/team": "ml"}}


@pytest.mark.parametrize("where", ["identity", "boundary", "scps"])
def test_inconclusive_in_one_layer_with_allow_elsewhere_is_inconclusive(where):
    layers = {
        name: [pol(stmt(Condition=UNKNOWN) if name == where else stmt(), source=f"{name}.json")]
        for name in ("identity", "boundary", "scps")
    }
    result = evaluate(req(), layers["identity"], boundary=layers["boundary"], scps=layers["scps"])
    assert result.decision is INCONCLUSIVE
    assert "aws:ResourceTag/team" in result.reason and f"{where}.json" in result.reason


def test_inconclusive_layer_with_implicit_deny_elsewhere_is_implicit_deny():
    assert decide(stmt(Condition=UNKNOWN), boundary=[]) is IMPLICIT


def test_inconclusive_layer_with_explicit_deny_elsewhere_is_explicit_deny():
    assert decide(stmt(Condition=UNKNOWN), scps=[pol(stmt(action="*"), stmt("Deny"))]) is EXPLICIT


# ---------------------------------------------------------------- parse_policy


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="top-level-list"),
        pytest.param("policy", id="top-level-string"),
        pytest.param({"Version": "2012-10-17"}, id="no-statement"),
        pytest.param({"Statement": "Allow"}, id="statement-string"),
        pytest.param({"Statement": [stmt(), "x"]}, id="statement-item-not-object"),
        pytest.param({"Statement": {"Action": "sagemaker:ListClusters", "Resource": "*"}}, id="no-effect"),
        pytest.param({"Statement": stmt("allow")}, id="effect-lowercase"),
        pytest.param({"Statement": stmt("Permit")}, id="effect-unknown"),
        pytest.param({"Statement": {"Effect": "Allow", "Resource": "*"}}, id="no-action"),
        pytest.param({"Statement": {**stmt(), "NotAction": "iam:*"}}, id="action-and-notaction"),
        pytest.param({"Statement": {"Effect": "Allow", "Action": "*"}}, id="no-resource"),
        pytest.param({"Statement": {**stmt(), "NotResource": "*"}}, id="resource-and-notresource"),
        pytest.param({"Statement": stmt(action=3)}, id="action-number"),
        pytest.param({"Statement": stmt(action=["sagemaker:ListClusters", 3])}, id="action-list-with-number"),
        pytest.param({"Statement": stmt(action=[])}, id="action-empty-list"),
        pytest.param({"Statement": stmt(action={"a": "b"})}, id="action-object"),
        pytest.param({"Statement": stmt(action="ListClusters")}, id="action-no-service"),
        pytest.param({"Statement": stmt(action="sagemaker:")}, id="action-no-name"),
        pytest.param({"Statement": stmt(action="sage maker:List")}, id="action-space"),
        pytest.param({"Statement": stmt(action="sagemaker:List-Clusters")}, id="action-bad-name"),
        pytest.param({"Statement": stmt(action="sagemaker:a:b")}, id="action-two-colons"),
        pytest.param({"Statement": stmt(resource="cluster/abc")}, id="resource-not-arn"),
        pytest.param({"Statement": stmt(resource="arn:aws:sagemaker:*:*")}, id="resource-short-arn"),
        pytest.param({"Statement": stmt(resource=5)}, id="resource-number"),
        pytest.param({"Statement": stmt(Condition="aws:SecureTransport")}, id="condition-string"),
        pytest.param({"Statement": stmt(Condition={"StringEquals": "x"})}, id="condition-operator-not-object"),
        pytest.param({"Statement": stmt(Condition={"StringEquals": {"aws:RequestedRegion": {"a": 1}}})}, id="condition-value-object"),
        pytest.param({"Statement": stmt(Condition={"StringEquals": {"aws:RequestedRegion": [None]}})}, id="condition-value-null"),
        pytest.param({"Version": "2020-01-01", "Statement": stmt()}, id="bad-version"),
        pytest.param({"Version": 2012, "Statement": stmt()}, id="version-number"),
    ],
)
def test_parse_policy_rejects_malformed_documents(document):
    with pytest.raises(InputError) as caught:
        parse_policy(document, "bad-policy.json")
    message = str(caught.value)
    assert "bad-policy.json" in message
    assert "\n" not in message and message.strip() == message and message


@pytest.mark.parametrize(
    "document",
    [
        {"Id": "x", "Statement": stmt()},
        {"Version": "2008-10-17", "Statement": [stmt()]},
        {"Version": "2012-10-17", "Statement": []},
        {"Statement": stmt(action="*", resource="arn:aws:s3:::bucket")},
        {"Statement": stmt(action="sagemaker-geospatial:Get*", resource="arn:aws:sagemaker:*:*:*")},
        {"Statement": stmt(Condition={"Bool": {"aws:SecureTransport": False}, "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}})},
    ],
)
def test_parse_policy_accepts_valid_shapes(document):
    assert parse_policy(document, "ok.json").source == "ok.json"


def test_action_patterns_and_not_action_statements():
    policy = pol(
        stmt(action=["sagemaker:List*", "SageMaker:DescribeCluster"]),
        stmt(action="sagemaker:List*"),
        stmt("Deny", "sagemaker:Delete*"),
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*", "Sid": "All"},
    )
    assert policy.action_patterns() == ["sagemaker:list*", "sagemaker:describecluster"]
    assert policy.action_patterns("Deny") == ["sagemaker:delete*"]
    [statement] = policy.not_action_statements()
    assert statement.sid == "All" and statement.not_actions == ("iam:*",) and statement.actions == ()
    assert policy.statements[0].not_actions == () and policy.statements[0].not_resources == ()
    assert policy.not_action_statements("Deny") == []
