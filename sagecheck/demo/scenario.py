"""The simulated AWS account behind `sagecheck demo` and the discovery and costing tests.

moto serves IAM, STS, CloudWatch and the SageMaker operations it implements; `sagemaker_fakes` answers
the rest from a store; `moto_state` gives moto's objects the facts no API can set (run times, billable
seconds, node counts). Every timestamp is relative to `as_of`, so the same story plays in any month:
a scanner role missing the newer read permissions, a month of on-demand and spot jobs, busy, idle and
over-provisioned endpoints, a HyperPod cluster scaled to zero beside a running one, and notebooks and
Studio apps left running.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterator, Sequence

import boto3
import botocore.session
from moto import mock_aws

from . import moto_state
from .fakes import FakeAws
from .sagemaker_fakes import RegionState, SageMakerFakes, SageMakerStore

ACCOUNT_ID = "123456789012"  # moto's default account
SCANNER_ROLE_NAME = "sagecheck-scanner"
SCANNER_ROLE_PATH = "/ops/"
SCANNER_EXTERNAL_ID = "sagecheck-demo"
LEGACY_POLICY_NAME = "sagecheck-legacy-reads"
ADMIN_USER = "demo-admin"
EXECUTION_ROLE_NAME = "AmazonSageMaker-ExecutionRole-Demo"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/{EXECUTION_ROLE_NAME}"
UTC = dt.timezone.utc

_STUDIO_IMAGES = {"JupyterLab": "sagemaker-distribution-gpu", "JupyterServer": "jupyter-server-3"}
_VPC = {"SecurityGroupIds": ["sg-0a1b2c3d4e5f60718"], "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"]}


def _kms_key(region: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/2f6c1f3e-8b7a-4d52-9a0e-5c1d7e9b3a41"


def data_file(name: str) -> str:
    return resources.files("sagecheck.demo").joinpath("data", name).read_text()


def legacy_scanner_policy() -> dict:
    return json.loads(data_file("legacy-scanner-policy.json"))


@dataclass
class SimulatedAccount:
    session: boto3.Session  # the scanner role's assumed-role credentials; region = regions[0]
    admin_session: boto3.Session
    fake: FakeAws
    account_id: str
    regions: tuple[str, ...]
    as_of: dt.datetime
    scanner_role_arn: str
    seeded: dict[str, set[str]]  # registry type name -> id_field values seeded, all regions together
    store: SageMakerStore = field(repr=False)
    fakes: SageMakerFakes = field(repr=False)
    admin_keys: dict = field(repr=False, default_factory=dict)
    seconds_to_build: float = 0.0

    def attach(self, session: boto3.Session) -> boto3.Session:
        """Install the fakes on another session of this account (before it creates clients)."""
        self.fakes.install(session)
        return session

    def new_admin_session(self, region: str | None = None) -> boto3.Session:
        """A fresh admin session with the fakes: a guard installed on one session stays on all its clients."""
        return self.attach(_session(self.admin_keys, region or self.regions[0]))


@contextmanager
def simulated_account(
    as_of: dt.datetime, regions: Sequence[str] = ("us-east-1",), training_jobs: int | None = None
) -> Iterator[SimulatedAccount]:
    """Start moto, seed the account and yield it; `training_jobs=N` replaces the month of jobs with N."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    if moto_state.mock_active():
        raise RuntimeError("a simulated account cannot start inside another moto mock: they would share one account")
    as_of = as_of.astimezone(UTC)
    regions = tuple(regions)
    started = time.perf_counter()
    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        admin_keys, scanner_role_arn = _seed_iam()
        seeding = _session(admin_keys, regions[0])
        store, fake = SageMakerStore(), FakeAws()
        fakes = SageMakerFakes(ACCOUNT_ID, store, fake)
        seeded: dict[str, set[str]] = {}
        for index, region in enumerate(regions):
            seeder = _RegionSeeder(seeding, region, as_of, seeded, store.region(region))
            if index == 0:
                seeder.seed_primary(training_jobs)
            else:
                seeder.seed_secondary()
        scanner = _assume_scanner(seeding, scanner_role_arn, regions[0])
        admin = _session(admin_keys, regions[0])
        for session in (scanner, admin):
            fakes.install(session)
        account = SimulatedAccount(
            session=scanner,
            admin_session=admin,
            fake=fake,
            account_id=ACCOUNT_ID,
            regions=regions,
            as_of=as_of,
            scanner_role_arn=scanner_role_arn,
            seeded=seeded,
            store=store,
            fakes=fakes,
            admin_keys=admin_keys,
        )
        account.seconds_to_build = time.perf_counter() - started
        yield account


# --- IAM and sessions -------------------------------------------------------------------------------------


def _session(keys: dict, region: str) -> boto3.Session:
    """A session of the simulated account alone: no AWS config files, profile or endpoint URL apply."""
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})  # AWS_PROFILE unread
    for name, value in (("config_file", os.devnull), ("credentials_file", os.devnull),
                        ("ignore_configured_endpoint_urls", True)):
        core.set_config_variable(name, value)
    return boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        region_name=region,
        botocore_session=core,
    )


def _trust(principal: dict, condition: dict | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _seed_iam() -> tuple[dict, str]:
    """An admin user, the SageMaker execution role, and the scanner role with the legacy read policy."""
    iam = _session({"AccessKeyId": "seeding", "SecretAccessKey": "seeding"}, "us-east-1").client("iam")
    iam.create_user(UserName=ADMIN_USER)
    iam.put_user_policy(
        UserName=ADMIN_USER,
        PolicyName="administrator",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    keys = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    iam.create_role(
        RoleName=EXECUTION_ROLE_NAME,
        Path="/service-role/",
        AssumeRolePolicyDocument=_trust({"Service": "sagemaker.amazonaws.com"}),
    )
    role = iam.create_role(
        RoleName=SCANNER_ROLE_NAME,
        Path=SCANNER_ROLE_PATH,
        Description="Read-only SageMaker inventory for FinOps; predates the newer SageMaker APIs",
        AssumeRolePolicyDocument=_trust(
            {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, {"StringEquals": {"sts:ExternalId": SCANNER_EXTERNAL_ID}}
        ),
    )["Role"]
    iam.put_role_policy(
        RoleName=SCANNER_ROLE_NAME, PolicyName=LEGACY_POLICY_NAME, PolicyDocument=data_file("legacy-scanner-policy.json")
    )
    return keys, role["Arn"]


def _assume_scanner(admin: boto3.Session, role_arn: str, region: str) -> boto3.Session:
    credentials = admin.client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName="sagecheck-scan", ExternalId=SCANNER_EXTERNAL_ID
    )["Credentials"]
    return _session(credentials, region)


# --- training jobs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingJob:
    """One training job's story; `end` None means still running at as_of."""

    name: str
    end: dt.datetime | None
    minutes: float
    instance_type: str = "ml.m5.xlarge"
    count: int = 1
    spot_savings: float | None = None  # 0.4: managed spot, billed 60 % of its training time
    checkpoint: bool = False
    groups: tuple[tuple[str, str, int], ...] = ()  # heterogeneous cluster: (group, instance type, count)
    warm_pool_seconds: int = 0
    parent: tuple[str, str] | None = None  # ("TuningJobArn", arn) and the like
    status: str = "Completed"
    image: str = "sagemaker-xgboost:1.7-1"
    vpc: bool = False
    isolated: bool = False
    encrypted: bool = False  # inter-container traffic
    kms: bool = False


def training_request(job: TrainingJob, region: str) -> dict:
    """The CreateTrainingJob request that launched the job."""
    resources_ = {"VolumeSizeInGB": 50}
    if job.groups:
        resources_["InstanceGroups"] = [
            {"InstanceGroupName": g, "InstanceType": t, "InstanceCount": n} for g, t, n in job.groups
        ]
    else:
        resources_.update(InstanceType=job.instance_type, InstanceCount=job.count)
    if job.warm_pool_seconds:
        resources_["KeepAlivePeriodInSeconds"] = job.warm_pool_seconds
    stopping = {"MaxRuntimeInSeconds": 86400}
    if job.spot_savings is not None:
        stopping["MaxWaitTimeInSeconds"] = 172800
    request: dict[str, Any] = {
        "TrainingJobName": job.name,
        "AlgorithmSpecification": {
            "TrainingImage": f"763104351884.dkr.ecr.{region}.amazonaws.com/{job.image}",
            "TrainingInputMode": "File",
        },
        "RoleArn": EXECUTION_ROLE_ARN,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://acme-ml-data-{region}/training/{job.name}/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://acme-ml-artifacts-{region}/training/"},
        "ResourceConfig": resources_,
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": job.spot_savings is not None,
        "EnableNetworkIsolation": job.isolated,
        "EnableInterContainerTrafficEncryption": job.encrypted,
        "Tags": [{"Key": "team", "Value": "data-science"}],
    }
    if job.kms:
        request["OutputDataConfig"]["KmsKeyId"] = _kms_key(region)
    if job.vpc:
        request["VpcConfig"] = _VPC
    if job.checkpoint:
        request["CheckpointConfig"] = {
            "S3Uri": f"s3://acme-ml-checkpoints-{region}/{job.name}/",
            "LocalPath": "/opt/ml/checkpoints",
        }
    return request


def training_fields(job: TrainingJob, as_of: dt.datetime) -> dict:
    """What DescribeTrainingJob reports once the job ran (or while it runs)."""
    seconds = int(job.minutes * 60)
    if job.end is None:
        start = as_of - dt.timedelta(seconds=seconds)
        created = start - dt.timedelta(minutes=4)
        fields: dict[str, Any] = {
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Training",
            "TrainingEndTime": None,
            "ModelArtifacts": None,
            "FinalMetricDataList": None,
            "SecondaryStatusTransitions": [
                _transition("Starting", created, start, "Preparing the instances for training"),
                _transition("Training", start, None, "Training image download completed. Training in progress."),
            ],
            "LastModifiedTime": start,
        }
    else:
        start = job.end - dt.timedelta(seconds=seconds)
        created = start - dt.timedelta(minutes=4)
        billable = seconds if job.spot_savings is None else int(seconds * (1 - job.spot_savings))
        fields = {
            "TrainingJobStatus": job.status,
            "SecondaryStatus": job.status,
            "TrainingEndTime": job.end,
            "TrainingTimeInSeconds": seconds,
            "BillableTimeInSeconds": billable,
            "LastModifiedTime": job.end + dt.timedelta(seconds=job.warm_pool_seconds or 40),
            "SecondaryStatusTransitions": [
                _transition("Starting", created, start, "Preparing the instances for training"),
                _transition("Training", start, job.end, "Training in progress"),
                _transition(job.status, job.end, job.end, f"Training job {job.status.lower()}"),
            ],
            "FinalMetricDataList": [{"MetricName": "validation:auc", "Value": 0.91, "Timestamp": job.end}],
        }
        if job.status == "Failed":
            fields["FailureReason"] = "AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB"
            fields["ModelArtifacts"] = None
            fields["FinalMetricDataList"] = None
    fields.update(CreationTime=created, TrainingStartTime=start)
    if job.warm_pool_seconds:
        fields["WarmPoolStatus"] = {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": job.warm_pool_seconds}
    if job.parent:
        fields[job.parent[0]] = job.parent[1]
    return fields


def _transition(status: str, start: dt.datetime, end: dt.datetime | None, message: str) -> dict:
    step = {"Status": status, "StartTime": start, "StatusMessage": message}
    return step if end is None else {**step, "EndTime": end}


def _sdk_name(base: str, created: dt.datetime, index: int) -> str:
    """A name as the SageMaker Python SDK makes it, unique by index where start times collide."""
    return f"{base}-{created:%Y-%m-%d-%H-%M-%S}-{index:03d}"


# --- seeding one region -----------------------------------------------------------------------------------


class _RegionSeeder:
    def __init__(self, session: boto3.Session, region: str, as_of: dt.datetime, seeded: dict, state: RegionState):
        self.region, self.as_of, self.seeded, self.state = region, as_of, seeded, state
        self.sm = session.client("sagemaker", region_name=region)
        self.cw = session.client("cloudwatch", region_name=region)
        self.period_start = as_of.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    # helpers

    def ago(self, **delta: float) -> dt.datetime:
        return self.as_of - dt.timedelta(**delta)

    def in_period(self, share: float) -> dt.datetime:
        """A moment `share` of the way from the period start to as_of."""
        return self.period_start + (self.as_of - self.period_start) * share

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{ACCOUNT_ID}:{kind}/{name}"

    def add(self, type_name: str, name: str) -> str:
        self.seeded.setdefault(type_name, set()).add(name)
        return name

    def update(self, kind: str, name: str, **fields: Any) -> None:
        moto_state.update(ACCOUNT_ID, self.region, kind, name, **fields)

    # the two shapes of region

    def seed_primary(self, training_jobs: int | None) -> None:
        self.seed_models_and_endpoints()
        self.seed_metrics()
        tuning_arn, automl_arn = self.seed_parent_jobs()
        labeling_arn = self.seed_labeling_job()
        if training_jobs is None:
            jobs = self.month_of_training_jobs(tuning_arn, automl_arn, labeling_arn)
            self.seed_training_jobs(jobs)
            self.seed_job_metrics([j for j in jobs if j.name.startswith("churn-xgb-2") and j.end])
        else:
            self.bulk_training_jobs(training_jobs)
        self.seed_processing_jobs()
        self.seed_transform_jobs()
        self.seed_compilation_and_edge_jobs()
        self.seed_hyperpod()
        self.seed_notebooks()
        self.seed_studio()
        self.seed_mlops()
        self.seed_other_fakes()

    def seed_secondary(self) -> None:
        """A quieter region: one job, one small endpoint, one stopped notebook."""
        suffix = self.region
        self.seed_training_jobs(
            [TrainingJob(f"forecast-retrain-{suffix}", self.in_period(0.5), 35, "ml.c5.xlarge", spot_savings=0.35)]
        )
        self.endpoint(f"regional-endpoint-{suffix}", "ml.m5.large", 1, created_days=50)
        self.notebook(f"analyst-notebook-{suffix}", "ml.t3.medium", created_days=80, stopped_days=20)

    # training

    def seed_training_jobs(self, jobs: list[TrainingJob]) -> None:
        for job in jobs:
            self.sm.create_training_job(**training_request(job, self.region))
            self.update("training-job", job.name, **training_fields(job, self.as_of))
            self.add("training-job", job.name)

    def seed_job_metrics(self, jobs: list[TrainingJob]) -> None:
        """A recurring job that never got busy: a few minutes of low CPU and memory on each run's host."""
        points = []
        for job in jobs:
            start = job.end - dt.timedelta(minutes=job.minutes)
            for minute in range(0, int(job.minutes), 5):
                at = start + dt.timedelta(minutes=minute)
                host = [{"Name": "Host", "Value": f"{job.name}/algo-1"}]
                points.append({"MetricName": "CPUUtilization", "Dimensions": host, "Timestamp": at, "Value": 9.0,
                               "Unit": "Percent"})
                points.append({"MetricName": "MemoryUtilization", "Dimensions": host, "Timestamp": at, "Value": 14.0,
                               "Unit": "Percent"})
        for i in range(0, len(points), 1000):
            self.cw.put_metric_data(Namespace="/aws/sagemaker/TrainingJobs", MetricData=points[i : i + 1000])

    def bulk_training_jobs(self, count: int) -> None:
        """`count` finished jobs spread over the period, written straight into moto (the API is ~100x slower)."""
        types = ("ml.m5.xlarge", "ml.m5.2xlarge", "ml.c5.2xlarge", "ml.g4dn.xlarge", "ml.g5.2xlarge", "ml.p3.2xlarge")
        jobs = []
        for i in range(count):
            job = TrainingJob(
                name=f"bulk-train-{i:05d}",
                end=self.in_period((i + 0.5) / count),
                minutes=10 + (i * 7) % 170,
                instance_type=types[i % len(types)],
                count=1 + i % 2,
                spot_savings=0.4 if i % 3 == 0 else None,
                checkpoint=i % 6 == 0,
            )
            jobs.append((training_request(job, self.region), training_fields(job, self.as_of)))
            self.add("training-job", job.name)
        moto_state.insert_training_jobs(ACCOUNT_ID, self.region, jobs)

    def month_of_training_jobs(self, tuning_arn: str, automl_arn: str, labeling_arn: str) -> list[TrainingJob]:
        """About thirty jobs that ended this month, one still running and one from last month."""
        torch, hf = "pytorch-training:2.3.0-gpu-py311", "huggingface-pytorch-training:2.1.0-gpu-py310"
        # base name, instance type, count, minutes, spot savings, checkpoint, image, security: vpc/isolated/encrypted/kms
        plain = [
            ("churn-xgb", "ml.m5.xlarge", 1, 35, None, False, "", ""),
            ("fraud-xgb", "ml.m5.xlarge", 2, 90, 0.4, True, "", "kms"),
            ("recsys-pytorch", "ml.g5.xlarge", 1, 180, None, False, torch, "vpc kms"),
            ("churn-xgb", "ml.m5.xlarge", 1, 38, 0.4, False, "", ""),
            ("bert-finetune", "ml.p3.2xlarge", 1, 150, 0.45, False, hf, ""),
            ("recsys-pytorch", "ml.g5.xlarge", 1, 240, 0.35, True, torch, "vpc"),
            ("llm-pretrain", "ml.p3.2xlarge", 2, 360, None, False, torch, "vpc encrypted kms"),
            ("forecast-deepar", "ml.m5.xlarge", 1, 60, 0.5, True, "forecasting-deepar:1", ""),
            ("bert-finetune", "ml.p3.2xlarge", 1, 120, None, False, hf, "vpc isolated encrypted kms"),
            ("image-cls", "ml.g4dn.xlarge", 1, 90, 0.3, True, "image-classification:1", ""),
            ("forecast-deepar", "ml.m5.xlarge", 1, 55, None, False, "forecasting-deepar:1", ""),
            ("sentiment-blazingtext", "ml.m5.xlarge", 1, 25, None, False, "blazingtext:1", "isolated"),
            ("image-cls", "ml.g4dn.xlarge", 1, 75, 0.6, False, "image-classification:1", ""),
            ("anomaly-rcf", "ml.m5.xlarge", 1, 15, None, False, "randomcutforest:1", "kms"),
            ("kmeans-segments", "ml.m5.xlarge", 3, 30, None, False, "kmeans:1", "vpc"),
            ("ltv-lightgbm", "ml.m5.xlarge", 1, 45, 0.4, True, "", ""),
            ("churn-xgb", "ml.m5.xlarge", 1, 33, None, False, "", ""),
            ("fraud-xgb", "ml.m5.xlarge", 2, 85, 0.42, True, "", "kms"),
            ("recsys-pytorch", "ml.g5.xlarge", 1, 200, None, False, torch, "vpc encrypted"),
            ("churn-xgb", "ml.m5.xlarge", 1, 36, None, False, "", ""),
        ]
        jobs = []
        for i, (base, itype, count, minutes, spot, ckpt, image, security) in enumerate(plain):
            end = self.in_period(0.03 + 0.93 * i / len(plain))
            jobs.append(
                TrainingJob(
                    _sdk_name(base, end - dt.timedelta(minutes=minutes), i),
                    end,
                    minutes,
                    itype,
                    count,
                    spot_savings=spot,
                    checkpoint=ckpt,
                    image=image or "sagemaker-xgboost:1.7-1",
                    vpc="vpc" in security,
                    isolated="isolated" in security,
                    encrypted="encrypted" in security,
                    kms="kms" in security,
                )
            )
        tuning_name = tuning_arn.rsplit("/", 1)[1]
        automl_name = automl_arn.rsplit("/", 1)[1]
        labeling_name = labeling_arn.rsplit("/", 1)[1]
        jobs += [
            TrainingJob(f"churn-xgb-warm-{self.as_of:%m%d}", self.in_period(0.5), 30, warm_pool_seconds=1800),
            TrainingJob(
                f"multimodal-hetero-{self.as_of:%m%d}",
                self.in_period(0.6),
                120,
                groups=(("data-prep", "ml.m5.xlarge", 2), ("gpu-train", "ml.p3.2xlarge", 1)),
                image="pytorch-training:2.3.0-gpu-py311",
                vpc=True,
                kms=True,
            ),
            TrainingJob(f"llm-sft-{self.as_of:%m%d}", None, 300, "ml.g5.xlarge", image=torch),
            TrainingJob(f"llm-eval-p5e-{self.as_of:%m%d}", self.in_period(0.7), 45, "ml.p5e.48xlarge", image=torch),
            TrainingJob(
                f"bert-finetune-oom-{self.as_of:%m%d}", self.in_period(0.35), 12, "ml.p3.2xlarge", status="Failed",
                image="huggingface-pytorch-training:2.1.0-gpu-py310",
            ),
            TrainingJob(
                f"churn-xgb-monthly-{self.period_start:%Y%m}", self.period_start - dt.timedelta(days=2), 50, "ml.m5.xlarge"
            ),
            TrainingJob(
                f"{labeling_name}-active-learning-001", self.in_period(0.42), 30, "ml.p3.2xlarge",
                parent=("LabelingJobArn", labeling_arn), image="image-classification:1",
            ),
        ]
        for i, (minutes, spot) in enumerate(((22, None), (24, 0.4), (21, None)), start=1):
            jobs.append(
                TrainingJob(f"{tuning_name}-{i:03d}-{0x3a1f07c2 + i:08x}", self.in_period(0.2 + 0.01 * i), minutes,
                            spot_savings=spot, parent=("TuningJobArn", tuning_arn))
            )
        for i in (1, 2):
            jobs.append(
                TrainingJob(f"{automl_name}-tr-{i:03d}-{0x5c0de000 + i:08x}", self.in_period(0.55 + 0.01 * i), 15,
                            "ml.m5.xlarge", parent=("AutoMLJobArn", automl_arn))
            )
        return jobs

    def seed_parent_jobs(self) -> tuple[str, str]:
        """A tuning job and an AutoML job whose children are training jobs."""
        tuning = self.add("hyperparameter-tuning-job", f"hpo-churn-xgb-{self.as_of:%y%m%d}")
        self.sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=tuning,
            HyperParameterTuningJobConfig={
                "Strategy": "Bayesian",
                "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
                "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 3},
                "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.05", "MaxValue": "0.5"}]},
            },
            TrainingJobDefinition={
                "StaticHyperParameters": {"objective": "binary:logistic", "num_round": "200"},
                "AlgorithmSpecification": {
                    "TrainingImage": f"763104351884.dkr.ecr.{self.region}.amazonaws.com/sagemaker-xgboost:1.7-1",
                    "TrainingInputMode": "File",
                },
                "RoleArn": EXECUTION_ROLE_ARN,
                "OutputDataConfig": {"S3OutputPath": f"s3://acme-ml-artifacts-{self.region}/tuning/"},
                "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            },
        )
        started, ended = self.in_period(0.21) - dt.timedelta(minutes=30), self.in_period(0.23) + dt.timedelta(minutes=2)
        self.update(
            "hyperparameter-tuning-job",
            tuning,
            CreationTime=started,
            LastModifiedTime=ended,
            HyperParameterTuningEndTime=ended,
            HyperParameterTuningJobStatus="Completed",
            TrainingJobStatusCounters={
                "Completed": 3, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0
            },
            ObjectiveStatusCounters={"Succeeded": 3, "Pending": 0, "Failed": 0},
            ConsumedResources={"RuntimeInSeconds": 67 * 60},
        )
        automl = self.add("automl-job", f"autopilot-churn-{self.as_of:%y%m%d}")
        self.sm.create_auto_ml_job_v2(
            AutoMLJobName=automl,
            AutoMLJobInputDataConfig=[
                {
                    "ChannelType": "training",
                    "ContentType": "text/csv;header=present",
                    "DataSource": _s3_prefix(f"s3://acme-ml-data-{self.region}/churn/autopilot/"),
                }
            ],
            OutputDataConfig={"S3OutputPath": f"s3://acme-ml-artifacts-{self.region}/autopilot/"},
            AutoMLProblemTypeConfig={
                "TabularJobConfig": {
                    "TargetAttributeName": "churned",
                    "ProblemType": "BinaryClassification",
                    "CompletionCriteria": {"MaxCandidates": 2},
                }
            },
            RoleArn=EXECUTION_ROLE_ARN,
        )
        started, ended = self.in_period(0.56) - dt.timedelta(minutes=25), self.in_period(0.57) + dt.timedelta(minutes=3)
        self.update(
            "automl-job", automl, CreationTime=started, LastModifiedTime=ended, EndTime=ended,
            AutoMLJobStatus="Completed", AutoMLJobSecondaryStatus="Completed",
        )
        return self.arn("hyper-parameter-tuning-job", tuning), self.arn("automl-job", automl)

    def seed_labeling_job(self) -> str:
        name = self.add("labeling-job", "support-tickets-labeling")
        bucket = f"s3://acme-ml-data-{self.region}/labeling"
        self.state.labeling_jobs.append(
            {
                "LabelingJobName": name,
                "LabelingJobArn": self.arn("labeling-job", name),
                "CreationTime": self.in_period(0.42) - dt.timedelta(hours=2),
                "LastModifiedTime": self.in_period(0.5),
                "LabelingJobStatus": "Completed",
                "LabelCounters": {
                    "TotalLabeled": 4800, "HumanLabeled": 1300, "MachineLabeled": 3500, "FailedNonRetryableError": 12,
                    "Unlabeled": 0,
                },
                "WorkteamArn": self.arn("workteam", "private-crowd/support-labelers"),
                "PreHumanTaskLambdaArn": f"arn:aws:lambda:{self.region}:432418664414:function:PRE-TextMultiClass",
                "AnnotationConsolidationLambdaArn": f"arn:aws:lambda:{self.region}:432418664414:function:ACS-TextMultiClass",
                "LabelingJobOutput": {"OutputDatasetS3Uri": f"{bucket}/{name}/manifests/output/output.manifest"},
                "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": f"{bucket}/input.manifest"}}},
            }
        )
        return self.arn("labeling-job", name)

    # other jobs

    def seed_processing_jobs(self) -> None:
        schedule_arn = self.arn("monitoring-schedule", "busy-endpoint-data-quality")
        ecr = f"683313688378.dkr.ecr.{self.region}.amazonaws.com"
        jobs = [  # base, instance type, count, minutes, end share (None: running), extra fields
            ("churn-preprocess", "ml.m5.xlarge", 2, 25, 0.2, {}),
            ("churn-evaluate", "ml.m5.xlarge", 1, 12, 0.45, {}),
            (f"model-monitoring-{self.in_period(0.7):%Y%m%d%H}00-busy-endpoint", "ml.m5.xlarge", 1, 8, 0.7,
             {"MonitoringScheduleArn": schedule_arn}),
            ("spark-feature-build", "ml.m5.xlarge", 4, 50, None, {}),
        ]
        for i, (base, itype, count, minutes, share, extra) in enumerate(jobs):
            end = None if share is None else self.in_period(share)
            start = (end or self.as_of) - dt.timedelta(minutes=minutes)
            name = self.add("processing-job", base if extra else _sdk_name(base, start, i))
            cluster = {"ClusterConfig": {"InstanceCount": count, "InstanceType": itype, "VolumeSizeInGB": 30}}
            output = {
                "S3Uri": f"s3://acme-ml-artifacts-{self.region}/processing/{name}/",
                "LocalPath": "/opt/ml/processing/output",
                "S3UploadMode": "EndOfJob",
            }
            self.sm.create_processing_job(
                ProcessingJobName=name,
                AppSpecification={"ImageUri": f"{ecr}/sagemaker-scikit-learn:1.2-1-cpu-py3"},
                ProcessingResources=cluster,
                ProcessingOutputConfig={"Outputs": [{"OutputName": "output", "S3Output": output}]},
                NetworkConfig={"EnableInterContainerTrafficEncryption": i % 2 == 0, "EnableNetworkIsolation": False},
                StoppingCondition={"MaxRuntimeInSeconds": 7200},
                RoleArn=EXECUTION_ROLE_ARN,
            )
            self.update(
                "processing-job",
                name,
                ProcessingResources=cluster,  # moto drops it from the request
                CreationTime=start - dt.timedelta(minutes=3),
                ProcessingStartTime=start,
                ProcessingEndTime=end,
                LastModifiedTime=end or start,
                ProcessingJobStatus="InProgress" if end is None else "Completed",
                **extra,
            )

    def seed_transform_jobs(self) -> None:
        self.model("batch-churn-model", created_days=40)
        jobs = [  # base, instance type, count, minutes, end
            ("batch-score-churn", "ml.m5.xlarge", 2, 55, self.in_period(0.3)),
            ("batch-score-churn", "ml.m5.xlarge", 2, 60, self.in_period(0.8)),
            ("batch-score-fraud", "ml.m5.xlarge", 1, 40, self.period_start - dt.timedelta(days=5)),
        ]
        for i, (base, itype, count, minutes, end) in enumerate(jobs):
            start = end - dt.timedelta(minutes=minutes)
            name = self.add("transform-job", _sdk_name(base, start, i))
            self.sm.create_transform_job(
                TransformJobName=name,
                ModelName="batch-churn-model",
                TransformInput={
                    "DataSource": _s3_prefix(f"s3://acme-ml-data-{self.region}/scoring/{base}/"),
                    "ContentType": "text/csv",
                    "SplitType": "Line",
                },
                TransformOutput={"S3OutputPath": f"s3://acme-ml-artifacts-{self.region}/scoring/{name}/"},
                TransformResources={"InstanceType": itype, "InstanceCount": count},
            )
            self.update(
                "transform-job",
                name,
                CreationTime=start - dt.timedelta(minutes=4),
                TransformStartTime=start,
                TransformEndTime=end,
                LastModifiedTime=end,
                TransformJobStatus="Completed",
                LabelingJobArn=None,  # moto reports "" for both
                FailureReason=None,
            )

    def seed_compilation_and_edge_jobs(self) -> None:
        name = self.add("compilation-job", f"resnet50-neo-ml-c5-{self.as_of:%y%m%d}")
        self.sm.create_compilation_job(
            CompilationJobName=name,
            RoleArn=EXECUTION_ROLE_ARN,
            InputConfig={
                "S3Uri": f"s3://acme-ml-artifacts-{self.region}/models/resnet50/model.tar.gz",
                "DataInputConfig": '{"input0": [1, 3, 224, 224]}',
                "Framework": "PYTORCH",
                "FrameworkVersion": "2.0",
            },
            OutputConfig={"S3OutputLocation": f"s3://acme-ml-artifacts-{self.region}/compiled/", "TargetDevice": "ml_c5"},
            StoppingCondition={"MaxRuntimeInSeconds": 900},
        )
        end = self.in_period(0.4)
        self.update(
            "compilation-job", name, CreationTime=end - dt.timedelta(minutes=6),
            CompilationStartTime=end - dt.timedelta(minutes=5), CompilationEndTime=end, LastModifiedTime=end,
        )
        edge = self.add("edge-packaging-job", "resnet50-edge-pack")
        self.state.edge_packaging_jobs.append(
            {
                "EdgePackagingJobArn": self.arn("edge-packaging-job", edge),
                "EdgePackagingJobName": edge,
                "EdgePackagingJobStatus": "COMPLETED",
                "CompilationJobName": name,
                "ModelName": "resnet50",
                "ModelVersion": "1.0",
                "CreationTime": end + dt.timedelta(minutes=10),
                "LastModifiedTime": end + dt.timedelta(minutes=14),
            }
        )

    # inference

    def model(self, name: str, created_days: float, isolated: bool = False, vpc: bool = False) -> None:
        request: dict[str, Any] = {
            "ModelName": name,
            "ExecutionRoleArn": EXECUTION_ROLE_ARN,
            "PrimaryContainer": {
                "Image": f"763104351884.dkr.ecr.{self.region}.amazonaws.com/sagemaker-xgboost:1.7-1",
                "ModelDataUrl": f"s3://acme-ml-artifacts-{self.region}/models/{name}/model.tar.gz",
            },
        }
        if vpc:
            request["VpcConfig"] = _VPC
        self.sm.create_model(**request)
        self.update("model", name, CreationTime=self.ago(days=created_days), EnableNetworkIsolation=isolated)
        self.add("model", name)

    def endpoint(
        self,
        name: str,
        instance_type: str | None,
        count: int,
        created_days: float,
        *,
        serverless: dict | None = None,
        components: tuple[str, ...] = (),  # models of the inference components it will host
        kms: bool = False,
        capture: bool = False,
        challenger: tuple[str, str, int] | None = None,  # a second variant (name, type, count) at weight 0
    ) -> None:
        created = self.ago(days=created_days)
        config = f"{name}-config"
        variant: dict[str, Any] = {"VariantName": "AllTraffic"}
        request: dict[str, Any] = {"EndpointConfigName": config, "ProductionVariants": [variant]}
        if components:  # instances only; the inference components bring the models
            request["ExecutionRoleArn"] = EXECUTION_ROLE_ARN
            variant.update(
                InstanceType=instance_type,
                InitialInstanceCount=count,
                ManagedInstanceScaling={"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
                RoutingConfig={"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
            )
        else:
            self.model(f"{name.removesuffix('-endpoint')}-model", created_days + 0.01, vpc=kms)
            variant["ModelName"] = f"{name.removesuffix('-endpoint')}-model"
            variant.update(ServerlessConfig=serverless) if serverless else variant.update(
                InstanceType=instance_type, InitialInstanceCount=count, InitialVariantWeight=1.0
            )
        if challenger:
            name2, type2, count2 = challenger
            request["ProductionVariants"].append({**variant, "VariantName": name2, "InstanceType": type2,
                                                  "InitialInstanceCount": count2, "InitialVariantWeight": 0.0})
        if kms:
            request["KmsKeyId"] = _kms_key(self.region)
        if capture:
            request["DataCaptureConfig"] = {
                "EnableCapture": True,
                "InitialSamplingPercentage": 20,
                "DestinationS3Uri": f"s3://acme-ml-artifacts-{self.region}/datacapture/{name}/",
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            }
        # moto's CreateEndpointConfig knows few instance types and needs a model per variant: the real
        # variant is set just below
        self.sm.create_endpoint_config(**_as_moto_accepts(request, components[0] if components else ""))
        role = {"ExecutionRoleArn": EXECUTION_ROLE_ARN} if components else {}
        variants = request["ProductionVariants"]
        self.update("endpoint-config", config, CreationTime=created - dt.timedelta(minutes=2), ProductionVariants=variants,
                    **role)
        self.sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
        self.update(
            "endpoint",
            name,
            CreationTime=created,
            LastModifiedTime=created + dt.timedelta(minutes=9),
            ProductionVariants=[self._variant_summary(v) for v in variants],
            DataCaptureConfig=self._capture_summary(request.get("DataCaptureConfig"), request.get("KmsKeyId")),
        )
        self.add("endpoint-config", config)
        self.add("endpoint", name)

    def _variant_summary(self, variant: dict) -> dict:
        """ProductionVariants as DescribeEndpoint reports them (moto keeps only the counts)."""
        summary: dict[str, Any] = {"VariantName": variant["VariantName"]}
        if "ModelName" in variant:
            image = f"763104351884.dkr.ecr.{self.region}.amazonaws.com/sagemaker-xgboost:1.7-1"
            summary["DeployedImages"] = [{"SpecifiedImage": image, "ResolvedImage": f"{image}@sha256:{'7c1e' * 16}"}]
        if "ServerlessConfig" in variant:
            config = variant["ServerlessConfig"]
            summary.update(CurrentServerlessConfig=config, DesiredServerlessConfig=config)
        else:
            n = variant["InitialInstanceCount"]
            summary.update(CurrentWeight=1.0, DesiredWeight=1.0, CurrentInstanceCount=n, DesiredInstanceCount=n)
        for key in ("ManagedInstanceScaling", "RoutingConfig"):
            if key in variant:
                summary[key] = variant[key]
        return summary

    @staticmethod
    def _capture_summary(capture: dict | None, kms_key: str | None) -> dict | None:
        if not capture:
            return None
        return {
            "EnableCapture": True,
            "CaptureStatus": "Started",
            "CurrentSamplingPercentage": capture["InitialSamplingPercentage"],
            "DestinationS3Uri": capture["DestinationS3Uri"],
            "KmsKeyId": kms_key or "",
        }

    def seed_models_and_endpoints(self) -> None:
        self.endpoint("busy-endpoint", "ml.m5.xlarge", 2, created_days=120, kms=True, capture=True)
        self.endpoint("idle-endpoint", "ml.g4dn.xlarge", 1, created_days=75)
        self.endpoint("oversized-endpoint", "ml.g5.12xlarge", 4, created_days=45)
        self.endpoint("ab-test-endpoint", "ml.m5.xlarge", 1, created_days=60, challenger=("Challenger", "ml.g4dn.xlarge", 1))
        serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 10}
        self.endpoint("serverless-endpoint", None, 0, created_days=40, serverless=serverless)
        components = (("llama-8b-ic", "genai-llama-8b"), ("mistral-7b-ic", "genai-mistral-7b"))
        for _, model in components:
            self.model(model, created_days=3.01)
        self.endpoint("genai-endpoint", "ml.g5.12xlarge", 1, created_days=3, components=tuple(m for _, m in components))
        for i, (component, model) in enumerate(components):
            created = self.ago(days=3) + dt.timedelta(minutes=20 + i)
            self.state.inference_components.append(
                {
                    "InferenceComponentName": self.add("inference-component", component),
                    "InferenceComponentArn": self.arn("inference-component", component),
                    "EndpointName": "genai-endpoint",
                    "EndpointArn": self.arn("endpoint", "genai-endpoint"),
                    "VariantName": "AllTraffic",
                    "Specification": {
                        "ModelName": model,
                        "StartupParameters": {
                            "ModelDataDownloadTimeoutInSeconds": 1200,
                            "ContainerStartupHealthCheckTimeoutInSeconds": 600,
                        },
                        "ComputeResourceRequirements": {
                            "NumberOfCpuCoresRequired": 8.0,
                            "NumberOfAcceleratorDevicesRequired": 2.0,
                            "MinMemoryRequiredInMb": 32768,
                        },
                    },
                    "RuntimeConfig": {"DesiredCopyCount": 1, "CurrentCopyCount": 1},
                    "CreationTime": created,
                    "LastModifiedTime": created + dt.timedelta(minutes=12),
                    "InferenceComponentStatus": "InService",
                }
            )

    def seed_metrics(self) -> None:
        """Hourly points for 14 days: traffic on the busy endpoints, none on idle, low utilisation on oversized."""
        hour = self.as_of.replace(minute=0, second=0, microsecond=0)
        hours = [hour - dt.timedelta(hours=h) for h in range(1, 14 * 24 + 1)]
        traffic = {"busy-endpoint": 1800, "oversized-endpoint": 25, "serverless-endpoint": 120, "genai-endpoint": 300,
                   "ab-test-endpoint": 600}
        data: list[tuple[str, dict]] = []
        for endpoint, per_hour in traffic.items():
            created = self.ago(days=3) if endpoint == "genai-endpoint" else None
            for t in hours:
                if created and t < created:
                    continue
                daytime = 1.0 if 8 <= t.hour < 20 else 0.4
                data.append(("AWS/SageMaker", _datum("Invocations", endpoint, t, round(per_hour * daytime), "None")))
        for t in hours:
            data.append(("/aws/sagemaker/Endpoints", _datum("CPUUtilization", "oversized-endpoint", t, 3.5, "Percent")))
            data.append(("/aws/sagemaker/Endpoints", _datum("GPUUtilization", "oversized-endpoint", t, 2.0, "Percent")))
            data.append(("/aws/sagemaker/Endpoints", _datum("CPUUtilization", "busy-endpoint", t, 55.0, "Percent")))
            # Idle means powered and reporting, yet never invoked: all of idle-endpoint, the A/B test's challenger.
            data.append(("/aws/sagemaker/Endpoints", _datum("CPUUtilization", "idle-endpoint", t, 0.4, "Percent")))
            data.append(("/aws/sagemaker/Endpoints", _datum("CPUUtilization", "ab-test-endpoint", t, 0.5, "Percent",
                                                            variant="Challenger")))
            data.append(("/aws/sagemaker/Endpoints", _datum("CPUUtilization", "ab-test-endpoint", t, 35.0, "Percent")))
        for namespace in {n for n, _ in data}:
            points = [d for n, d in data if n == namespace]
            for i in range(0, len(points), 1000):
                self.cw.put_metric_data(Namespace=namespace, MetricData=points[i : i + 1000])

    # HyperPod

    def cluster(self, name: str, groups: list[tuple[str, str, int]], created_days: float, tags: dict) -> None:
        self.sm.create_cluster(
            ClusterName=name,
            InstanceGroups=[
                {
                    "InstanceGroupName": group,
                    "InstanceType": itype,
                    "InstanceCount": count,
                    "LifeCycleConfig": {
                        "SourceS3Uri": f"s3://sagemaker-hyperpod-lifecycle-{self.region}/{name}/",
                        "OnCreate": "on_create.sh",
                    },
                    "ExecutionRole": EXECUTION_ROLE_ARN,
                    "ThreadsPerCore": 1,
                }
                for group, itype, count in groups
            ],
            VpcConfig=_VPC,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        created = self.ago(days=created_days)
        self.update("hyperpod-cluster", name, CreationTime=created)
        moto_state.set_cluster_node_launch_time(ACCOUNT_ID, self.region, name, created + dt.timedelta(minutes=18))
        self.add("hyperpod-cluster", name)

    def seed_hyperpod(self) -> None:
        self.cluster(
            "hp-stopped",
            [("controller", "ml.m5.xlarge", 0), ("workers", "ml.g5.8xlarge", 0)],
            created_days=90,
            tags={"team": "research"},
        )
        self.cluster(
            "hp-running",
            [("controller", "ml.m5.xlarge", 1), ("workers", "ml.p4d.24xlarge", 2)],
            created_days=20,
            tags={"team": "llm-platform", "sagecheck:schedule": "weekdays 08:00-20:00 UTC"},
        )
        self.cluster(  # running around the clock with no on/off schedule
            "hp-dev",
            [("controller", "ml.m5.xlarge", 1), ("workers", "ml.g5.8xlarge", 1)],
            created_days=10,
            tags={"team": "research"},
        )

    # notebooks

    def notebook(
        self, name: str, instance_type: str, created_days: float, stopped_days: float | None = None, **extra: Any
    ) -> None:
        self.sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType=instance_type, RoleArn=EXECUTION_ROLE_ARN, **extra
        )
        modified = self.ago(days=stopped_days if stopped_days is not None else created_days)
        if stopped_days is not None:
            self.sm.stop_notebook_instance(NotebookInstanceName=name)
        self.update("notebook-instance", name, CreationTime=self.ago(days=created_days), LastModifiedTime=modified)
        self.add("notebook-instance", name)

    def seed_notebooks(self) -> None:
        config = self.add("notebook-lifecycle-config", "auto-stop-idle")
        self.sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=config,
            OnStart=[{"Content": base64.b64encode(data_file("notebook-auto-stop.sh").encode()).decode()}],
        )
        created = self.ago(days=100)
        self.update("notebook-lifecycle-config", config, CreationTime=created, LastModifiedTime=created)
        self.notebook(
            "ds-notebook-alice", "ml.t3.medium", created_days=60, DirectInternetAccess="Enabled", RootAccess="Enabled"
        )
        self.notebook(
            "ds-notebook-bob",
            "ml.m5.xlarge",
            created_days=100,
            stopped_days=9,
            VolumeSizeInGB=50,
            LifecycleConfigName=config,
            DirectInternetAccess="Disabled",
            RootAccess="Disabled",
            SubnetId=_VPC["Subnets"][0],
            SecurityGroupIds=_VPC["SecurityGroupIds"],
            KmsKeyId=_kms_key(self.region),
        )

    # Studio

    def seed_studio(self) -> None:
        arn = self.sm.create_domain(
            DomainName="studio-main",
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": EXECUTION_ROLE_ARN},
            SubnetIds=_VPC["Subnets"],
            VpcId="vpc-0a1b2c3d4e5f60718",
            AppNetworkAccessType="PublicInternetOnly",
        )["DomainArn"]
        domain = self.add("domain", arn.rsplit("/", 1)[1])
        self.update("domain", domain, CreationTime=self.ago(days=200), LastModifiedTime=self.ago(days=30))
        for user, days in (("alice", 180), ("bob", 150)):
            self.state.user_profiles.append(
                {"DomainId": domain, "UserProfileName": self.add("user-profile", user), "Status": "InService",
                 "CreationTime": self.ago(days=days), "LastModifiedTime": self.ago(days=days - 1)}
            )
        for space, app_type, gb, sharing, owner, days in (
            ("alice-lab", "JupyterLab", 50, "Private", "alice", 25),
            ("team-code", "CodeEditor", 100, "Shared", "bob", 60),
        ):
            self.state.spaces.append(
                {
                    "DomainId": domain,
                    "SpaceName": self.add("space", space),
                    "Status": "InService",
                    "CreationTime": self.ago(days=days),
                    "LastModifiedTime": self.ago(days=days - 2),
                    "SpaceSettingsSummary": {
                        "AppType": app_type,
                        "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": gb}},
                    },
                    "SpaceSharingSettingsSummary": {"SharingType": sharing},
                    "OwnershipSettingsSummary": {"OwnerUserProfileName": owner},
                    "SpaceDisplayName": space,
                }
            )
        image = f"arn:aws:sagemaker:{self.region}:081325390199:image"
        apps = [  # owner kind, owner, type, name, instance type, status, created, last activity
            ("SpaceName", "alice-lab", "JupyterLab", "default", "ml.g4dn.xlarge", "InService",
             self.ago(days=20), self.ago(days=10)),
            ("UserProfileName", "bob", "KernelGateway", "datascience-1-0-ml-t3-medium-1abf3407f667f989be9d86559395",
             "ml.t3.medium", "InService", self.ago(days=6), self.ago(hours=2)),
            ("UserProfileName", "bob", "JupyterServer", "default", "system", "InService",
             self.ago(days=150), self.ago(hours=2)),
            ("UserProfileName", "alice", "KernelGateway", "datascience-1-0-ml-m5-large-6f2c1b7e0e5a9d4c8b3a",
             "ml.m5.large", "Deleted", self.ago(days=40), self.ago(days=38)),
        ]
        for owner_kind, owner, app_type, name, itype, status, created, activity in apps:
            image_name = _STUDIO_IMAGES.get(app_type, "datascience-1.0")
            self.state.apps.append(
                {
                    "AppArn": self.arn("app", f"{domain}/{owner}/{app_type.lower()}/{name}"),
                    "AppType": app_type,
                    "AppName": self.add("studio-app", name),
                    "DomainId": domain,
                    owner_kind: owner,
                    "Status": status,
                    "CreationTime": created,
                    "LastUserActivityTimestamp": activity,
                    "LastHealthCheckTimestamp": self.ago(minutes=5) if status == "InService" else activity,
                    "ResourceSpec": {"SageMakerImageArn": f"{image}/{image_name}", "InstanceType": itype},
                }
            )

    # MLOps

    def seed_mlops(self) -> None:
        for name, online, days in (("customers", True, 150), ("transactions", False, 90)):
            request: dict[str, Any] = {
                "FeatureGroupName": name,
                "RecordIdentifierFeatureName": f"{name[:-1]}_id",
                "EventTimeFeatureName": "event_time",
                "FeatureDefinitions": [
                    {"FeatureName": f"{name[:-1]}_id", "FeatureType": "String"},
                    {"FeatureName": "event_time", "FeatureType": "String"},
                    {"FeatureName": "lifetime_value", "FeatureType": "Fractional"},
                ],
                "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://acme-feature-store-{self.region}"}},
                "RoleArn": EXECUTION_ROLE_ARN,
            }
            if online:
                request["OnlineStoreConfig"] = {"EnableOnlineStore": True}
            self.sm.create_feature_group(**request)
            self.update(
                "feature-group", name, CreationTime=self.ago(days=days), LastModifiedTime=self.ago(days=days - 3),
                FeatureGroupStatus="Created", OfflineStoreStatus={"Status": "Active"},
                OnlineStoreConfig=request.get("OnlineStoreConfig"),  # moto drops it
            )
            self.add("feature-group", name)

        pipeline = self.add("pipeline", "churn-training-pipeline")
        definition = {"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {}}]}
        self.sm.create_pipeline(PipelineName=pipeline, PipelineDefinition=json.dumps(definition), RoleArn=EXECUTION_ROLE_ARN)
        last_run = None
        for share, status in ((0.3, "Succeeded"), (0.75, "Failed")):
            arn = self.sm.start_pipeline_execution(PipelineName=pipeline)["PipelineExecutionArn"]
            moto_state.register_pipeline_execution(ACCOUNT_ID, self.region, pipeline, arn)
            started = last_run = self.in_period(share)
            self.update(
                "pipeline-execution", arn, CreationTime=started, StartTime=started,
                LastModifiedTime=started + dt.timedelta(minutes=50), PipelineExecutionStatus=status,
                PipelineArn=self.arn("pipeline", pipeline), PipelineExecutionDisplayName=f"execution-{started:%Y%m%d%H%M}",
                **({"FailureReason": "Step Train failed: ClientError: ResourceLimitExceeded"} if status == "Failed" else {}),
            )
            self.add("pipeline-execution", arn)
        created = self.ago(days=60)
        self.update("pipeline", pipeline, CreationTime=created, LastModifiedTime=created, LastRunTime=last_run)

        schedule = self.add("monitoring-schedule", "busy-endpoint-data-quality")
        self.state.monitoring_schedules.append(
            {
                "MonitoringScheduleName": schedule,
                "MonitoringScheduleArn": self.arn("monitoring-schedule", schedule),
                "CreationTime": self.ago(days=110),
                "LastModifiedTime": self.ago(days=110),
                "MonitoringScheduleStatus": "Scheduled",
                "EndpointName": "busy-endpoint",
                "MonitoringJobDefinitionName": "busy-endpoint-data-quality-job-definition",
                "MonitoringType": "DataQuality",
            }
        )
        for name, size, status, active, days in (
            ("mlflow-team", "Small", "Created", "Active", 70),
            ("mlflow-archive", "Medium", "Stopped", "Inactive", 200),
        ):
            domain = f"{self.region}.experiments.sagemaker.aws"
            self.state.mlflow_tracking_servers.append(
                {
                    "TrackingServerArn": self.arn("mlflow-tracking-server", name),
                    "TrackingServerName": self.add("mlflow-tracking-server", name),
                    "ArtifactStoreUri": f"s3://acme-mlflow-{self.region}/{name}/",
                    "TrackingServerSize": size,
                    "MlflowVersion": "2.16.2",
                    "RoleArn": EXECUTION_ROLE_ARN,
                    "TrackingServerStatus": status,
                    "IsActive": active,
                    "TrackingServerUrl": f"https://t-{zlib.crc32(name.encode()):012d}.{domain}",
                    "WeeklyMaintenanceWindowStart": "Sun:02:00",
                    "AutomaticModelRegistration": False,
                    "CreationTime": self.ago(days=days),
                    "LastModifiedTime": self.ago(days=30 if status == "Stopped" else days),
                }
            )

    def seed_other_fakes(self) -> None:
        plan = self.add("training-plan", "p5-burst-plan")
        start, end = self.ago(days=3), self.ago(days=-4)
        self.state.training_plans.append(
            {
                "TrainingPlanArn": self.arn("training-plan", plan),
                "TrainingPlanName": plan,
                "Status": "Active",
                "DurationHours": 168,
                "DurationMinutes": 0,
                "StartTime": start,
                "EndTime": end,
                "UpfrontFee": "18480.00",
                "CurrencyCode": "USD",
                "TotalInstanceCount": 2,
                "AvailableInstanceCount": 2,
                "InUseInstanceCount": 0,
                "TargetResources": ["training-job"],
                "ReservedCapacitySummaries": [
                    {
                        "ReservedCapacityArn": self.arn("reserved-capacity", f"{plan}-rc-1"),
                        "InstanceType": "ml.p5.48xlarge",
                        "TotalInstanceCount": 2,
                        "Status": "Active",
                        "AvailabilityZone": f"{self.region}a",
                        "DurationHours": 168,
                        "DurationMinutes": 0,
                        "StartTime": start,
                        "EndTime": end,
                    }
                ],
            }
        )
        job = self.add("optimization-job", "llama-8b-awq-quantize")
        end = self.in_period(0.25)
        self.state.optimization_jobs.append(
            {
                "OptimizationJobName": job,
                "OptimizationJobArn": self.arn("optimization-job", job),
                "CreationTime": end - dt.timedelta(minutes=40),
                "OptimizationJobStatus": "COMPLETED",
                "OptimizationStartTime": end - dt.timedelta(minutes=38),
                "OptimizationEndTime": end,
                "LastModifiedTime": end,
                "DeploymentInstanceType": "ml.g5.12xlarge",
                "OptimizationTypes": ["Quantization"],
            }
        )
        job = self.add("inference-recommendations-job", "busy-model-right-size")
        end = self.in_period(0.65)
        self.state.inference_recommendations_jobs.append(
            {
                "JobName": job,
                "JobDescription": "Instance recommendations for busy-model",
                "JobType": "Default",
                "JobArn": self.arn("inference-recommendations-job", job),
                "Status": "COMPLETED",
                "CreationTime": end - dt.timedelta(minutes=45),
                "CompletionTime": end,
                "RoleArn": EXECUTION_ROLE_ARN,
                "LastModifiedTime": end,
                "ModelName": "busy-model",
            }
        )


def _as_moto_accepts(request: dict, placeholder_model: str) -> dict:
    """A CreateEndpointConfig request moto accepts: its own instance types, and a model in every variant."""
    variants = []
    for variant in request["ProductionVariants"]:
        variant = {"ModelName": placeholder_model, **variant}
        if "InstanceType" in variant:
            variant["InstanceType"] = "ml.m5.xlarge"
        variants.append(variant)
    return {**request, "ProductionVariants": variants}


def _s3_prefix(uri: str) -> dict:
    return {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}}


def _datum(metric: str, endpoint: str, at: dt.datetime, value: float, unit: str, variant: str = "AllTraffic") -> dict:
    return {
        "MetricName": metric,
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
        "Timestamp": at,
        "Value": value,
        "Unit": unit,
    }
