"""SageMaker Studio: domains hold user profiles and spaces; apps bill hourly by their instance type."""
from ..records import Capacity, as_int, base, get
from .model import Call, Paginated, ResourceType


def domain_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("Status") or "unknown",
        attrs={
            "app_network_access": raw.get("AppNetworkAccessType"),
            "auth_mode": raw.get("AuthMode"),
            "kms_key": raw.get("KmsKeyId"),
            "vpc_id": raw.get("VpcId"),
        },
    )


def _arn(origin, kind: str, *parts) -> str:
    """Studio list calls omit ARNs; this is their documented shape, for when no describe call was made."""
    return f"arn:aws:sagemaker:{origin.region}:{origin.account}:{kind}/" + "/".join(str(p) for p in parts)


def user_profile_record(raw, origin, rtype):
    arn = raw.get("UserProfileArn") or _arn(origin, "user-profile", raw.get("DomainId"), raw.get("UserProfileName"))
    return base({**raw, "UserProfileArn": arn}, origin, rtype, state=raw.get("Status") or "unknown",
                attrs={"domain_id": raw.get("DomainId")})


def space_record(raw, origin, rtype):
    arn = raw.get("SpaceArn") or _arn(origin, "space", raw.get("DomainId"), raw.get("SpaceName"))
    return base(
        {**raw, "SpaceArn": arn}, origin, rtype,
        state=raw.get("Status") or "unknown",
        volume_gb=as_int(get(raw, "SpaceSettingsSummary.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb")),
        attrs={"domain_id": raw.get("DomainId"), "app_type": get(raw, "SpaceSettingsSummary.AppType")},
    )


def app_record(raw, origin, rtype):
    owner = raw.get("UserProfileName") or raw.get("SpaceName") or "-"
    arn = raw.get("AppArn") or _arn(origin, "app", raw.get("DomainId"), owner, str(raw.get("AppType", "")).lower(),
                                     raw.get("AppName"))
    instance_type = get(raw, "ResourceSpec.InstanceType")
    billed = instance_type and instance_type != "system"
    return base(
        {**raw, "AppArn": arn}, origin, rtype,
        state=raw.get("Status") or "unknown",
        capacity=(Capacity("", instance_type, 1),) if billed else (),
        last_activity=raw.get("LastUserActivityTimestamp"),
        attrs={"domain_id": raw.get("DomainId"), "app_type": raw.get("AppType"), "owner": owner},
    )


TYPES = (
    ResourceType(
        name="domain",
        label="Studio domains",
        enumerate=Paginated("ListDomains", "Domains"),
        describe=Call("DescribeDomain", (("DomainId", "DomainId"),)),
        id_field="DomainId",
        arn_field="DomainArn",
        cost_shape="none",
        to_record=domain_record,
    ),
    ResourceType(
        name="user-profile",
        label="Studio user profiles",
        enumerate=Paginated("ListUserProfiles", "UserProfiles"),
        id_field="UserProfileName",
        arn_field="UserProfileArn",
        cost_shape="none",
        to_record=user_profile_record,
    ),
    ResourceType(
        name="space",
        usage="storage",
        label="Studio spaces",
        enumerate=Paginated("ListSpaces", "Spaces"),
        id_field="SpaceName",
        arn_field="SpaceArn",
        cost_shape="storage",
        to_record=space_record,
    ),
    ResourceType(
        name="studio-app",
        usage="studio",
        label="Studio apps",
        enumerate=Paginated("ListApps", "Apps"),
        describe=Call(
            "DescribeApp",
            (
                ("DomainId", "DomainId"),
                ("AppType", "AppType"),
                ("AppName", "AppName"),
                ("UserProfileName", "UserProfileName"),
                ("SpaceName", "SpaceName"),
            ),
        ),
        id_field="AppName",
        arn_field="AppArn",
        cost_shape="hourly",
        to_record=app_record,
        notes="DescribeApp gives LastUserActivityTimestamp, for idle detection.",
    ),
)
