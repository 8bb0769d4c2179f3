"""Security checks over resource records: one small pure function each.

Prowler's SageMaker checks (prowler/providers/aws/services/sagemaker, every name in its history) and ours:
  sagemaker_notebook_instance_root_access_disabled                      -> SC-NB-001
  sagemaker_notebook_instance_without_direct_internet_access_configured -> SC-NB-002
  sagemaker_notebook_no_direct_internet_access                          -> SC-NB-002
  sagemaker_notebook_instance_encryption_enabled                        -> SC-NB-003
  sagemaker_notebook_instance_kms_key_configured                        -> SC-NB-003
  sagemaker_notebook_instance_vpc_settings_configured                   -> SC-NB-004
  sagemaker_notebook_instance_no_secrets                                -> not covered (lifecycle script contents)
  sagemaker_training_jobs_network_isolation_enabled                     -> SC-TJ-001
  sagemaker_training_jobs_intercontainer_encryption_enabled             -> SC-TJ-002
  sagemaker_training_jobs_volume_and_output_encryption_enabled          -> SC-TJ-003, SC-TJ-004
  sagemaker_training_jobs_vpc_settings_configured                       -> SC-TJ-005
  sagemaker_processing_job_volume_encrypted_with_cmk                    -> SC-PJ-003
  sagemaker_transform_job_volume_encrypted_with_cmk                     -> SC-TF-001
  sagemaker_models_network_isolation_enabled                            -> SC-MD-001
  sagemaker_models_vpc_settings_configured                              -> SC-MD-002
  sagemaker_endpoint_config_kms_encryption_enabled                      -> SC-EC-001
  sagemaker_endpoint_configuration_kms_key_configured                   -> SC-EC-001
  sagemaker_endpoint_config_prod_variant_instances                      -> SC-EC-003
  sagemaker_domain_vpc_only_enabled                                     -> SC-DM-001
  sagemaker_domain_sso_configured                                       -> SC-DM-002
  sagemaker_domain_encrypted_with_cmk                                   -> SC-DM-003
  sagemaker_feature_group_offline_store_encrypted_with_cmk              -> SC-FG-002
  sagemaker_full_access_policy_attached                                 -> SC-IAM-* (the scanning role only)
  sagemaker_models_monitor_enabled, sagemaker_clarify_exists,
  sagemaker_models_registry_in_use                                      -> not covered (account-level, no resource)
Ours alone: SC-NB-005, SC-PJ-001/002/004/005, SC-TF-002, SC-EC-002, SC-FG-001, SC-HP-001, SC-ML-001/002,
and the scanning role's own excess grants (privileges.py).
"""
from __future__ import annotations

from ..registry.notebooks import auto_stop
from .model import HIGH, LOW, MEDIUM, is_false, is_true, register, unset

KMS_HELP = "AWS-owned keys cannot be audited, rotated on your schedule, or revoked"


# --- notebook instances ---

@register("SC-NB-001", "Notebook instance allows root access", HIGH, "notebook-instance",
          risk="Root on the instance lets any notebook user change its software, read every file, and "
               "tamper with the lifecycle configuration.",
          remediation="Stop the instance and run `aws sagemaker update-notebook-instance --root-access Disabled`; "
                      "install packages through a lifecycle configuration instead.")
def notebook_root_access(r, ctx):
    if is_true(r.attrs, "root_access"):
        return f"Notebook instance {r.name} has root access enabled."


@register("SC-NB-002", "Notebook instance has direct internet access", HIGH, "notebook-instance",
          risk="A notebook with its own internet path can exfiltrate data and fetch code around your VPC's "
               "egress controls.",
          remediation="Recreate the instance in a VPC subnet with DirectInternetAccess=Disabled, reaching AWS "
                      "services through VPC endpoints or a NAT you control.")
def notebook_direct_internet(r, ctx):
    if is_true(r.attrs, "direct_internet_access"):
        return f"Notebook instance {r.name} has direct internet access enabled."


@register("SC-NB-003", "Notebook storage not encrypted with a customer KMS key", MEDIUM, "notebook-instance",
          risk=f"The ML storage volume is encrypted with an AWS-owned key; {KMS_HELP}.",
          remediation="Recreate the notebook instance with KmsKeyId set to a customer managed KMS key "
                      "(the key cannot be changed on an existing instance).")
def notebook_kms(r, ctx):
    if unset(r.attrs, "kms_key"):
        return f"Notebook instance {r.name} has no customer managed KMS key for its storage volume."


@register("SC-NB-004", "Notebook instance not in a VPC", MEDIUM, "notebook-instance",
          risk="Without a subnet the instance runs in a SageMaker-managed network, outside your security "
               "groups, flow logs and VPC endpoints.",
          remediation="Recreate the notebook instance with SubnetId and SecurityGroupIds in your VPC.")
def notebook_vpc(r, ctx):
    if unset(r.attrs, "subnet"):
        return f"Notebook instance {r.name} is not attached to a VPC subnet."


@register("SC-NB-005", "Notebook instance without an auto-stop lifecycle configuration", LOW, "notebook-instance",
          risk="A notebook that never stops stays reachable and billed, holding credentials of its execution "
               "role, long after anyone uses it.",
          remediation="Attach a lifecycle configuration whose on-start script stops the instance when idle "
                      "(for example AWS's auto-stop-idle sample).")
def notebook_auto_stop(r, ctx):
    if "lifecycle_config" not in r.attrs:
        return None
    if auto_stop(r, lambda name: ctx.find("notebook-lifecycle-config", r, name)) is not False:
        return None
    name = r.attrs["lifecycle_config"]
    if not name:
        return f"Notebook instance {r.name} has no lifecycle configuration, so nothing stops it when idle."
    return f"Notebook instance {r.name}: lifecycle configuration {name} has no auto-stop script."


# --- training and processing jobs share their settings ---

def _job_checks(prefix: str, rtype: str, label: str) -> None:
    @register(f"{prefix}-001", f"{label.capitalize()} without network isolation", MEDIUM, rtype,
              risk="Without network isolation the job's containers can make outbound calls, so untrusted "
                   "code or a compromised dependency can exfiltrate training data.",
              remediation=f"Start {label}s with network isolation enabled (EnableNetworkIsolation=True); "
                          "S3 input and output still work.")
    def isolation(r, ctx):
        if is_false(r.attrs, "network_isolation"):
            return f"{label.capitalize()} {r.name} runs without network isolation."

    @register(f"{prefix}-002", f"Distributed {label} without inter-container traffic encryption", MEDIUM, rtype,
              risk="Data and model parameters exchanged between the job's instances cross the network in "
                   "clear text.",
              remediation=f"Start multi-instance {label}s with EnableInterContainerTrafficEncryption=True.")
    def inter_container(r, ctx):
        # Only traffic between instances is at stake: a single-instance job has none.
        if is_false(r.attrs, "inter_container_encryption") and r.instance_count > 1:
            return (f"{label.capitalize()} {r.name} runs on {r.instance_count} instances without "
                    "inter-container traffic encryption.")

    @register(f"{prefix}-003", f"{label.capitalize()} volume not encrypted with a customer KMS key", MEDIUM, rtype,
              risk=f"The ML storage volumes attached to the job use an AWS-owned key; {KMS_HELP}.",
              remediation=f"Set VolumeKmsKeyId to a customer managed KMS key when starting {label}s.")
    def volume_kms(r, ctx):
        if unset(r.attrs, "volume_kms_key"):
            return f"{label.capitalize()} {r.name} has no customer managed KMS key for its storage volumes."

    @register(f"{prefix}-004", f"{label.capitalize()} output not encrypted with a customer KMS key", MEDIUM, rtype,
              risk=f"Artifacts written to S3 are encrypted only with the bucket default; {KMS_HELP}.",
              remediation=f"Set the output KmsKeyId to a customer managed KMS key when starting {label}s.")
    def output_kms(r, ctx):
        if unset(r.attrs, "output_kms_key"):
            return f"{label.capitalize()} {r.name} has no customer managed KMS key for its output."

    @register(f"{prefix}-005", f"{label.capitalize()} not in a VPC", MEDIUM, rtype,
              risk="Outside your VPC the job's traffic bypasses your security groups, VPC endpoints and "
                   "flow logs.",
              remediation=f"Start {label}s with a VpcConfig naming private subnets and security groups.")
    def vpc(r, ctx):
        if is_false(r.attrs, "vpc"):
            return f"{label.capitalize()} {r.name} does not run in a VPC."


_job_checks("SC-TJ", "training-job", "training job")
_job_checks("SC-PJ", "processing-job", "processing job")


# --- batch transform ---

@register("SC-TF-001", "Transform job volume not encrypted with a customer KMS key", MEDIUM, "transform-job",
          risk=f"The ML storage volumes of the transform instances use an AWS-owned key; {KMS_HELP}.",
          remediation="Set TransformResources.VolumeKmsKeyId to a customer managed KMS key.")
def transform_volume_kms(r, ctx):
    if unset(r.attrs, "volume_kms_key"):
        return f"Transform job {r.name} has no customer managed KMS key for its storage volumes."


@register("SC-TF-002", "Transform job output not encrypted with a customer KMS key", MEDIUM, "transform-job",
          risk=f"Batch predictions written to S3 use only the bucket default encryption; {KMS_HELP}.",
          remediation="Set TransformOutput.KmsKeyId to a customer managed KMS key.")
def transform_output_kms(r, ctx):
    if unset(r.attrs, "output_kms_key"):
        return f"Transform job {r.name} has no customer managed KMS key for its output."


# --- endpoint configs ---

def _all_serverless(r) -> bool:
    return bool(r.capacity) and all(c.serverless for c in r.capacity)


@register("SC-EC-001", "Endpoint config without a customer KMS key", MEDIUM, "endpoint-config",
          risk=f"The hosting instances' ML storage volumes use an AWS-owned key; {KMS_HELP}.",
          remediation="Create a new endpoint config with KmsKeyId set to a customer managed key and update the "
                      "endpoint to it. (Instance types with local NVMe storage encrypt it in hardware and do not "
                      "accept a key.)")
def endpoint_config_kms(r, ctx):
    # Serverless endpoints have no storage volume to encrypt and reject KmsKeyId.
    if unset(r.attrs, "kms_key") and not _all_serverless(r):
        return f"Endpoint config {r.name} has no customer managed KMS key."


@register("SC-EC-002", "Endpoint config without data capture", LOW, "endpoint-config",
          risk="Without data capture there is no record of what the model was asked and answered, for "
               "incident response, abuse detection or Model Monitor.",
          remediation="Create an endpoint config with DataCaptureConfig.EnableCapture=True (encrypted with a KMS "
                      "key, sampled as needed) and update the endpoint to it.")
def endpoint_config_capture(r, ctx):
    if is_false(r.attrs, "data_capture"):
        return f"Endpoint config {r.name} does not capture inference requests and responses."


@register("SC-EC-003", "Endpoint config variant on a single instance", LOW, "endpoint-config",
          risk="One instance is one Availability Zone: an instance or zone failure takes the endpoint down.",
          remediation="Give each instance-based production variant an InitialInstanceCount of 2 or more, or use "
                      "auto scaling with a minimum of 2.")
def endpoint_config_single_instance(r, ctx):
    single = [c.name for c in r.capacity if not c.serverless and c.count < 2]
    if single:
        return f"Endpoint config {r.name}: variant(s) {', '.join(single)} start with a single instance."


# --- models ---

@register("SC-MD-001", "Model without network isolation", MEDIUM, "model",
          risk="The inference container can make outbound network calls, so a compromised model or "
               "dependency can exfiltrate the requests it serves.",
          remediation="Recreate the model with EnableNetworkIsolation=True.")
def model_isolation(r, ctx):
    if is_false(r.attrs, "network_isolation"):
        return f"Model {r.name} has network isolation disabled."


@register("SC-MD-002", "Model not in a VPC", MEDIUM, "model",
          risk="Endpoints and transform jobs serving this model run outside your VPC's security groups, "
               "endpoints and flow logs.",
          remediation="Recreate the model with a VpcConfig naming private subnets and security groups.")
def model_vpc(r, ctx):
    if is_false(r.attrs, "vpc"):
        return f"Model {r.name} has no VPC configuration."


# --- Studio domains ---

@register("SC-DM-001", "Studio domain allows public internet access", HIGH, "domain",
          risk="Apps in a PublicInternetOnly domain reach the internet through SageMaker's network, "
               "bypassing your VPC's egress controls.",
          remediation="Set AppNetworkAccessType to VpcOnly (`aws sagemaker update-domain --app-network-access-type "
                      "VpcOnly`) after providing VPC endpoints or a NAT for the services Studio needs.")
def domain_network(r, ctx):
    if r.attrs.get("app_network_access") == "PublicInternetOnly":
        return f"Studio domain {r.name} uses AppNetworkAccessType PublicInternetOnly."


@register("SC-DM-002", "Studio domain uses IAM rather than IAM Identity Center", LOW, "domain",
          risk="With IAM auth, anyone who may call CreatePresignedDomainUrl can open any user profile; "
               "sign-in is not tied to your identity provider's users, MFA and offboarding.",
          remediation="Use AuthMode SSO (IAM Identity Center) for new domains, or restrict "
                      "sagemaker:CreatePresignedDomainUrl per user profile with resource-level conditions.")
def domain_auth(r, ctx):
    if r.attrs.get("auth_mode") == "IAM":
        return f"Studio domain {r.name} authenticates users with IAM, not IAM Identity Center."


@register("SC-DM-003", "Studio domain storage not encrypted with a customer KMS key", MEDIUM, "domain",
          risk=f"The domain's home EFS volume and app storage use an AWS-owned key; {KMS_HELP}.",
          remediation="Create the domain with KmsKeyId set to a customer managed key (it cannot be changed later) "
                      "and migrate user profiles.")
def domain_kms(r, ctx):
    if unset(r.attrs, "kms_key"):
        return f"Studio domain {r.name} has no customer managed KMS key."


# --- feature store ---

@register("SC-FG-001", "Feature group online store without a customer KMS key", MEDIUM, "feature-group",
          risk=f"Features served at low latency, often customer data, are encrypted with an AWS-owned key; {KMS_HELP}.",
          remediation="Recreate the feature group with OnlineStoreConfig.SecurityConfig.KmsKeyId set to a "
                      "customer managed key.")
def feature_group_online_kms(r, ctx):
    if is_true(r.attrs, "online_store") and unset(r.attrs, "online_kms_key"):
        return f"Feature group {r.name} has an online store without a customer managed KMS key."


@register("SC-FG-002", "Feature group offline store without a customer KMS key", LOW, "feature-group",
          risk=f"The offline store's S3 objects use only the bucket default encryption; {KMS_HELP}.",
          remediation="Recreate the feature group with OfflineStoreConfig.S3StorageConfig.KmsKeyId set to a "
                      "customer managed key.")
def feature_group_offline_kms(r, ctx):
    if is_true(r.attrs, "offline_store") and unset(r.attrs, "offline_kms_key"):
        return f"Feature group {r.name} has an offline store without a customer managed KMS key."


# --- HyperPod ---

@register("SC-HP-001", "HyperPod cluster not in your VPC", MEDIUM, "hyperpod-cluster",
          risk="Without a VpcConfig the cluster's nodes run in a SageMaker-managed network, outside your "
               "security groups, and cannot reach private data such as FSx for Lustre.",
          remediation="Create the cluster with a VpcConfig naming private subnets and security groups, and move "
                      "workloads to it.")
def hyperpod_vpc(r, ctx):
    if is_false(r.attrs, "vpc"):
        return f"HyperPod cluster {r.name} has no VPC configuration."


# --- MLflow ---

@register("SC-ML-001", "MLflow tracking server reachable from the internet", LOW, "mlflow-tracking-server",
          risk="A tracking server has no VPC-only mode: its URL is public and only IAM (sagemaker-mlflow:* and "
               "sagemaker:CreatePresignedMlflowTrackingServerUrl) guards experiments, artifacts and the model "
               "registry.",
          remediation="Grant sagemaker-mlflow:* and CreatePresignedMlflowTrackingServerUrl only to the roles that "
                      "need this server (scope by its ARN, add aws:SourceVpce or aws:SourceIp conditions), and stop "
                      "servers nobody uses.")
def mlflow_access(r, ctx):
    if is_true(r.attrs, "active"):
        return f"MLflow tracking server {r.name} is active and reachable at a public URL, guarded by IAM only."


@register("SC-ML-002", "MLflow artifact bucket ownership not verified", MEDIUM, "mlflow-tracking-server",
          risk="Without S3 bucket owner verification, the server writes artifacts to whichever account owns the "
               "bucket name: a deleted and re-registered bucket silently receives your models.",
          remediation="Update the tracking server with S3BucketOwnerVerification=True and S3BucketOwnerAccountId "
                      "set to the account that owns the artifact bucket.")
def mlflow_bucket_owner(r, ctx):
    if is_false(r.attrs, "s3_owner_verification"):
        return f"MLflow tracking server {r.name} does not verify who owns its artifact bucket."
