"""The sagecheck command line: parse options, call the library, render. No business logic here."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import api
from . import catalog as catalog_module
from .errors import AwsUnavailable, ControlFailed, InputError
from .output import check_writable
from .regions import parse_account, parse_regions

app = typer.Typer(
    name="sagecheck",
    help="SageMaker FinOps and security: preflight your permissions, then cost every resource by its real shape.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FORMATS = ("table", "json")
REPORT_FORMATS = ("table", "json", "sarif")


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise InputError(f"{option} {value!r}: choose one of {', '.join(allowed)}")
    return value


def _note(message: str) -> None:
    if message:
        print(message, file=sys.stderr)


@app.command("catalog")
def catalog_command(
    format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """List every permission sagecheck may use, its access level and who needs it."""
    _choice(format, FORMATS, "--format")
    catalog = catalog_module.load()
    if format == "json":
        print(json.dumps(catalog_module.to_document(catalog), indent=2))
        return
    from .report.catalog_view import catalog_table

    sys.stdout.write(catalog_table(catalog))


@app.command("preflight")
def preflight_command(
    policy_file: Optional[List[Path]] = typer.Option(None, "--policy-file", help="an identity policy (repeatable)"),
    boundary_file: Optional[Path] = typer.Option(None, "--boundary-file", help="a permissions boundary policy"),
    scp_file: Optional[List[Path]] = typer.Option(None, "--scp-file", help="a service control policy (repeatable)"),
    authorization_details: Optional[Path] = typer.Option(
        None, "--authorization-details", help="output of 'aws iam get-account-authorization-details'"
    ),
    principal_arn: Optional[str] = typer.Option(None, "--principal-arn", help="the user or role to check"),
    account_id: Optional[str] = typer.Option(None, "--account-id", help="account to scope ARNs to (offline)"),
    regions: Optional[str] = typer.Option(None, "--regions", help="r1,r2 or all"),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile for a live check"),
    format: str = typer.Option("table", "--format", help="table or json"),
    emit: Optional[str] = typer.Option(None, "--emit", help="json, terraform or cloudformation"),
    out: Optional[Path] = typer.Option(None, "--out", help="where --emit writes the missing policy"),
    strict: bool = typer.Option(False, "--strict", help="fail (exit 1) on excess grants too"),
) -> None:
    """Check permissions against the catalog; name what is missing and what each gap breaks."""
    from .iam.generate import Scope
    from .output import EMIT_FORMATS, emit_policy
    from .report.preflight_view import preflight_table

    _choice(format, FORMATS, "--format")
    if emit is not None:
        _choice(emit, EMIT_FORMATS, "--emit")
        if out is None:
            raise InputError("--emit needs --out PATH; the report itself goes to stdout")
    region_list = parse_regions(regions)
    account = parse_account(account_id)
    inputs = api.OfflineInputs(
        tuple(policy_file or ()), boundary_file, tuple(scp_file or ()), authorization_details, principal_arn
    )
    if not inputs.given:
        if boundary_file or scp_file:
            raise InputError("--boundary-file and --scp-file need --policy-file or --authorization-details")
        result = api.live_preflight(profile, region_list, principal_arn)
    else:
        result = api.offline_preflight(inputs, region_list, account)
    if emit is not None:
        scope = Scope(regions=tuple(region_list), account=account)
        _note(emit_policy(emit, api.missing_entries(result), scope, out, with_role=False))
    if format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        sys.stdout.write(preflight_table(result))
    raise typer.Exit(result.exit_code(strict))


POLICY_FEATURES = ("read-only", "hyperpod-control")


@app.command("policy")
def policy_command(
    emit: str = typer.Option("json", "--emit", help="json, terraform or cloudformation"),
    out: Optional[Path] = typer.Option(None, "--out", help="file (json, cloudformation) or folder (terraform)"),
    regions: Optional[str] = typer.Option(None, "--regions", help="r1,r2 or all; default: every region"),
    account_id: Optional[str] = typer.Option(None, "--account-id", help="account to scope ARNs to"),
    feature: str = typer.Option("read-only", "--feature", help="read-only (the scanner) or hyperpod-control"),
    tag_key: Optional[str] = typer.Option(None, "--tag-key", help="hyperpod-control: only clusters with this tag"),
) -> None:
    """Write the read-only onboarding policy (Terraform and CloudFormation add the scanner role), or with
    --feature hyperpod-control the separate write policy of the HyperPod on/off control."""
    from .iam.generate import Scope
    from .output import EMIT_FORMATS, emit_policy

    _choice(emit, EMIT_FORMATS, "--emit")
    _choice(feature, POLICY_FEATURES, "--feature")
    region_list = parse_regions(regions) if regions else ["*"]
    scope = Scope(regions=tuple(region_list), account=parse_account(account_id))
    if feature == "hyperpod-control":
        from .hyperpod_control import emit_hyperpod_policy

        _note(emit_hyperpod_policy(emit, scope, out, tag_key))
        return
    if tag_key is not None:
        raise InputError("--tag-key applies only to --feature hyperpod-control")
    _note(emit_policy(emit, catalog_module.load().entries, scope, out, with_role=emit != "json"))


@app.command("scan")
def scan_command(
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile"),
    regions: Optional[str] = typer.Option(None, "--regions", help="r1,r2 or all"),
    principal_arn: Optional[str] = typer.Option(None, "--principal-arn", help="check this principal's permissions"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="ISO 8601 clock for every figure; default now"),
    prices: str = typer.Option("auto", "--prices", help="auto, live, bundled or PATH.csv"),
    price_overrides: Optional[Path] = typer.Option(None, "--price-overrides", help="CSV of negotiated rates"),
    lookback_days: Optional[int] = typer.Option(None, "--lookback-days",
                                                help="days of metrics for idle detection (default 14)"),
    thresholds: Optional[Path] = typer.Option(None, "--thresholds", help="JSON or TOML file of thresholds"),
    format: str = typer.Option("table", "--format", help="table, json or sarif"),
    out: Optional[Path] = typer.Option(None, "--out", help="write the report here instead of stdout"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress display"),
) -> None:
    """Preflight, discover every SageMaker resource the permissions allow, cost it, and report."""
    from .period import parse_as_of
    from .session import make_session

    _choice(format, REPORT_FORMATS, "--format")
    region_list = parse_regions(regions)
    clock = parse_as_of(as_of)
    if out is not None:
        check_writable(out)
    session = make_session(profile, region_list[0])
    with _progress(quiet) as update:
        result = api.scan(session, region_list, clock, principal_arn=principal_arn, prices=prices,
                          price_overrides=price_overrides, lookback_days=lookback_days, thresholds_file=thresholds,
                          on_progress=update)
    raise typer.Exit(_report(result, format, out))


@app.command("demo")
def demo_command(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="ISO 8601 clock; default now"),
    prices: str = typer.Option("bundled", "--prices", help="bundled or PATH.csv"),
    format: str = typer.Option("table", "--format", help="table, json or sarif"),
    out: Optional[Path] = typer.Option(None, "--out", help="write the report here instead of stdout"),
    policy_out: Optional[Path] = typer.Option(None, "--policy-out", help="keep the generated missing policy here"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress display"),
) -> None:
    """Run the whole pipeline against a built-in simulated account (needs the demo extra: moto).

    Prices default to the bundled snapshot: the simulated account has no AWS price list to read."""
    from .period import parse_as_of

    _choice(format, REPORT_FORMATS, "--format")
    clock = parse_as_of(as_of)
    for path in (out, policy_out):
        if path is not None:
            check_writable(path)
    try:
        from .demo.run import run_demo
    except ModuleNotFoundError as exc:
        raise InputError(f"the demo needs moto: pip install 'sagecheck[demo]' ({exc.name} is missing)") from None
    with _progress(quiet) as update:
        result = run_demo(clock, prices=prices, say=_note, policy_out=policy_out, on_progress=update)
    raise typer.Exit(_report(result.scan, format, out))


from .cli_hyperpod import hyperpod_app  # noqa: E402  (a sub-app; its commands are the only write path)

app.add_typer(hyperpod_app, name="hyperpod")

prices_app = typer.Typer(help="Price data: pull live SageMaker rates into the price CSV format.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


@prices_app.command("pull")
def prices_pull_command(
    regions: Optional[str] = typer.Option(None, "--regions", help="r1,r2 or all"),
    out: Path = typer.Option(..., "--out", help="the CSV to write"),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile"),
) -> None:
    """Write live on-demand SageMaker rates (pricing:GetProducts) as a price CSV for --prices."""
    from .pricing_live import pull
    from .session import make_session, read_only_clients

    region_list = parse_regions(regions)
    check_writable(out)
    rows = pull(read_only_clients(make_session(profile, region_list[0])), region_list, out)
    _note(f"wrote {len(rows)} price rows for {', '.join(region_list)} to {out}")


def _progress(quiet: bool):
    from .report.progress import progress

    return progress("Discovering SageMaker resources", quiet)


def _report(result, format: str, out: Optional[Path]) -> int:
    from .output import write_atomic
    from .report.json_report import scan_dict
    from .report.scan_view import scan_table

    if format == "sarif":
        from importlib.metadata import version

        from .report.sarif import to_sarif

        text = json.dumps(to_sarif(result.findings, result.preflight, version("sagecheck")), indent=2) + "\n"
    elif format == "json":
        text = json.dumps(scan_dict(result), indent=2) + "\n"
    else:
        text = scan_table(result)
    if out is not None:
        write_atomic(out, text)
        _note(f"wrote {format} report to {out}")
    else:
        sys.stdout.write(text)
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    """Entry point: every known failure becomes one line on stderr and its exit code, never a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--debug"] or ["--help"]
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="sagecheck", standalone_mode=False)
    except InputError as exc:
        if debug:
            raise
        print(f"sagecheck: error: {exc}", file=sys.stderr)
        return 2
    except ControlFailed as exc:
        print(f"sagecheck: error: {exc}", file=sys.stderr)
        return 1
    except AwsUnavailable as exc:
        if debug:
            raise
        print(f"sagecheck: error: {exc}", file=sys.stderr)
        return 3
    except (typer.Abort, KeyboardInterrupt):
        print("sagecheck: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # typer's own usage errors: unknown option, missing value...
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print(f"sagecheck: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug or an AWS failure we did not foresee: one line, and the way to see more
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"sagecheck: unexpected {exc.__class__.__name__}: {first} (run with --debug for details)", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0


def run() -> None:
    sys.exit(main())
