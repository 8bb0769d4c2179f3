"""End to end: the installed `sagecheck scan` in a subprocess against moto's server through AWS_ENDPOINT_URL.

Operations moto's server does not serve answer HTTP 500; they must surface as per-type errors (or a
preflight fallback), and the run must still complete with a valid report.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from sagecheck import catalog as catalog_module
from sagecheck.iam.generate import Scope, policy_documents
from sagecheck.report.json_report import validate

moto_server = pytest.importorskip("moto.server")
REGION = "us-east-1"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def server():
    srv = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


def admin(endpoint):
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return lambda service: session.client(service, endpoint_url=endpoint)


def seed(endpoint) -> dict:
    client = admin(endpoint)
    iam = client("iam")
    iam.create_role(RoleName="scanner", Path="/ops/", AssumeRolePolicyDocument=json.dumps(TRUST))
    for n, doc in enumerate(policy_documents(catalog_module.load().entries, Scope())):
        iam.put_role_policy(RoleName="scanner", PolicyName=f"read-{n}", PolicyDocument=json.dumps(doc))
    sm = client("sagemaker")
    role = "arn:aws:iam::123456789012:role/ops/scanner"
    sm.create_notebook_instance(NotebookInstanceName="e2e-notebook", InstanceType="ml.t3.medium", RoleArn=role)
    sm.create_model(ModelName="m", ExecutionRoleArn=role, PrimaryContainer={"Image": "img"})
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="e2e-endpoint", EndpointConfigName="c")
    creds = client("sts").assume_role(RoleArn=role, RoleSessionName="e2e")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


def test_installed_scan_completes_against_moto_server(server, tmp_path):
    exe = Path(sys.executable).parent / "sagecheck"
    if not exe.exists():
        pytest.skip("the sagecheck console script is not installed beside this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(seed(server), AWS_ENDPOINT_URL=server, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="2",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    proc = subprocess.run([str(exe), "scan", "--regions", REGION, "--format", "json", "--prices", "bundled", "--quiet"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stdout.strip(), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    validate(report)
    assert proc.returncode == 1, "moto's server lacks some operations, so coverage is partial"
    assert report["preflight"]["principal"] == "arn:aws:iam::123456789012:role/ops/scanner"
    names = {(r["type"], r["name"]) for r in report["resources"]}
    assert {("notebook-instance", "e2e-notebook"), ("endpoint", "e2e-endpoint")} <= names
    failed = {e["type"] for e in report["errors"]}
    assert {"studio-app", "inference-component"} <= failed, "unserved operations are per-type errors"
    assert "notebook-instance" not in failed
