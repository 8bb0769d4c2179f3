"""CLI behaviour that is not bad input: AWS unreachable or no credentials (exit 3), help, the installed package."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagecheck.cli import main


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize("command", [["scan", "--regions", "us-east-1", "--quiet"], ["preflight", "--regions", "us-east-1"]])
def test_no_credentials_is_exit_3_in_one_line(no_aws, capsys, command):
    assert main(command) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "credentials" in err[0].lower()


def test_unknown_profile_is_exit_3(no_aws, capsys):
    assert main(["scan", "--profile", "nope", "--regions", "us-east-1"]) == 3
    assert "nope" in capsys.readouterr().err


def test_unreachable_endpoint_is_exit_3(no_aws, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["preflight", "--regions", "us-east-1"]) == 3
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_bad_as_of_and_bad_price_file_fail_before_any_aws_call(no_aws, capsys, tmp_path):
    assert main(["scan", "--as-of", "yesterday"]) == 2
    assert "--as-of" in capsys.readouterr().err
    bad = tmp_path / "prices.csv"
    bad.write_text("region,usage,instance_type,unit,usd\nus-east-1,training,ml.m5.xlarge,hour,cheap\n")
    assert main(["scan", "--regions", "us-east-1", "--prices", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_installed_package_runs_from_another_folder(tmp_path):
    """templates/ and policies/ ship inside the package: generation works away from the source tree."""
    exe = Path(sys.executable).parent / "sagecheck"
    if not exe.exists():
        pytest.skip("the sagecheck console script is not installed beside this Python")
    out = tmp_path / "module"
    proc = subprocess.run([str(exe), "policy", "--emit", "terraform", "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["main.tf", "outputs.tf", "variables.tf", "versions.tf"]
    proc = subprocess.run([str(exe), "catalog", "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0 and '"sagemaker:ListClusters"' in proc.stdout


def test_no_arguments_prints_help(capsys):
    assert main([]) == 0
    assert "preflight" in capsys.readouterr().out


def test_hyperpod_control_policy_is_separate_and_least_privilege(capsys):
    import json

    assert main(["policy", "--feature", "hyperpod-control", "--emit", "json", "--tag-key", "sagecheck:managed"]) == 0
    document = json.loads(capsys.readouterr().out)
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert actions == {"sagemaker:UpdateCluster", "sagemaker:AddTags", "sagemaker:DeleteTags",
                       "sagemaker:DescribeCluster", "sagemaker:ListTags"}
    assert all(r.endswith(":cluster/*") for s in document["Statement"] for r in s["Resource"])
    assert all("aws:ResourceTag/sagecheck:managed" in json.dumps(s["Condition"]) for s in document["Statement"])
    assert main(["policy", "--tag-key", "x"]) == 2


def test_hyperpod_commands_are_registered(capsys):
    assert main(["hyperpod", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("stop", "start", "schedule", "apply-schedules"))


def test_bad_thresholds_and_retry_settings_are_exit_2(no_aws, monkeypatch, capsys, tmp_path):
    nan = tmp_path / "t.json"
    nan.write_text('{"overprovisioned_cpu_pct": NaN}')
    assert main(["scan", "--regions", "us-east-1", "--thresholds", str(nan)]) == 2
    huge = tmp_path / "h.json"
    huge.write_text('{"lookback_days": 1e400}')
    assert main(["scan", "--regions", "us-east-1", "--thresholds", str(huge)]) == 2
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "abc")
    assert main(["preflight", "--regions", "us-east-1"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and "AWS_MAX_ATTEMPTS" in errors[-1]


def test_bad_overrides_and_out_folder_fail_before_any_aws_call(no_aws, capsys, tmp_path):
    bad = tmp_path / "o.csv"
    bad.write_text("not,a,price,file\n")
    assert main(["scan", "--regions", "us-east-1", "--price-overrides", str(bad)]) == 2
    assert main(["scan", "--regions", "us-east-1", "--out", str(tmp_path / "missing" / "r.json")]) == 2


def test_malformed_authorization_details_document_is_exit_2(capsys, tmp_path):
    import json

    details = {"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
                                   "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/p"}]}],
               "Policies": [{"Arn": "arn:aws:iam::111122223333:policy/p", "DefaultVersionId": "v1",
                             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": "%7Bnot"}]}]}
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(details))
    assert main(["preflight", "--authorization-details", str(path),
                 "--principal-arn", "arn:aws:iam::111122223333:role/r"]) == 2
    assert "malformed policy entry" in capsys.readouterr().err
