"""The library API the CLI is a thin layer over. Import and call these from your own code."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import catalog as catalog_module
from .catalog import Catalog, CatalogEntry
from .discovery import DiscoveryResult
from .pricing import PriceBook
from .errors import InputError
from .iam import principal_files
from .iam.preflight import GRANTED, PreflightResult, check_policies
from .iam.review import excess_grants


@dataclass(frozen=True)
class OfflineInputs:
    policy_files: Sequence[Path] = ()
    boundary_file: Path | None = None
    scp_files: Sequence[Path] = ()
    authorization_details: Path | None = None
    principal_arn: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.policy_files or self.authorization_details)


def load_principal(inputs: OfflineInputs) -> principal_files.PrincipalPolicies:
    if inputs.authorization_details and inputs.policy_files:
        raise InputError("give either --policy-file or --authorization-details, not both")
    if inputs.authorization_details:
        if not inputs.principal_arn:
            raise InputError("--authorization-details needs --principal-arn to pick the user or role")
        details = principal_files.read_json(inputs.authorization_details, "authorization details")
        principal = principal_files.from_authorization_details(
            details, inputs.principal_arn, inputs.authorization_details.name
        )
    else:
        identity = [principal_files.load_policy_file(p) for p in inputs.policy_files]
        name = inputs.principal_arn or ", ".join(p.name for p in inputs.policy_files)
        if inputs.principal_arn:
            principal_files.validate_principal_arn(inputs.principal_arn)
        principal = principal_files.PrincipalPolicies(name, identity)
    if inputs.boundary_file:
        if principal.boundary is not None:
            raise InputError("--boundary-file given, but the principal already has a permissions boundary in the file")
        principal.boundary = [principal_files.load_policy_file(inputs.boundary_file, "boundary file")]
    return principal


def offline_preflight(
    inputs: OfflineInputs,
    regions: Sequence[str],
    account: str = "*",
    partition: str = "aws",
    catalog: Catalog | None = None,
) -> PreflightResult:
    catalog = catalog or catalog_module.load()
    principal = load_principal(inputs)
    scps = [principal_files.load_policy_file(p, "SCP file") for p in inputs.scp_files] or None
    method = "local" if inputs.authorization_details else "policy-file"
    result = check_policies(
        catalog, principal, scps=scps, regions=regions, account=account, partition=partition, method=method
    )
    result.excess = excess_grants(catalog, principal, scps, region=regions[0], account=account, partition=partition)
    if principal.unresolved:
        result.notes.append("attached policies not in the file, so not evaluated: " + ", ".join(principal.unresolved))
    return result


def missing_entries(result: PreflightResult, catalog: Catalog | None = None) -> list[CatalogEntry]:
    """Catalog entries for every action not granted; inconclusive counts as not granted."""
    catalog = catalog or catalog_module.load()
    missing = {o.action for o in result.outcomes if o.status != GRANTED}
    return [e for e in catalog.entries if e.action in missing]


@dataclass
class Scan:
    as_of: dt.datetime
    period: tuple
    account: str
    regions: tuple[str, ...]
    preflight: PreflightResult
    discovery: DiscoveryResult
    book: PriceBook
    lines: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    calls: dict = field(default_factory=dict)  # (service, operation) -> count, everything the scan sent

    @property
    def totals(self):
        from .costing import totals

        return totals(self.lines)

    @property
    def exit_code(self) -> int:
        """1 when coverage is partial: a missing permission, an AWS denial, or a type that failed."""
        return 1 if self.preflight.missing_actions or not self.discovery.complete else 0


def live_preflight(profile: str | None, regions: Sequence[str], principal_arn: str | None = None,
                   session=None) -> PreflightResult:
    from .iam.live import live_preflight as check_live
    from .session import make_session, read_only_clients

    clients = read_only_clients(session or make_session(profile, regions[0]))
    return check_live(clients, regions, principal_arn)


def price_book(prices: str, clients, regions: Sequence[str], granted: bool, overrides: PriceBook | None = None):
    """`auto`: live when pricing:GetProducts is granted and answers, else the bundled snapshot.

    `--prices live` that cannot be had is AWS being unavailable (exit 3), not a silent fallback."""
    from . import pricing

    notes: list[str] = []
    if prices in ("auto", "live"):
        if granted or prices == "live":
            from .pricing_live import PricingUnavailable, live_book

            try:
                book = live_book(clients, regions)
            except PricingUnavailable as exc:
                if prices == "live":
                    raise
                notes.append(f"live prices unavailable ({exc}); used the bundled snapshot")
                book = pricing.bundled()
        else:
            notes.append("pricing:GetProducts not granted; used the bundled snapshot")
            book = pricing.bundled()
    elif prices == "bundled":
        book = pricing.bundled()
    else:
        book = pricing.load_csv(Path(prices))
    if overrides is not None:
        book = book.overlay(overrides)
    book.notes.extend(notes)
    return book


def scan(session, regions: Sequence[str], as_of: dt.datetime, *, principal_arn: str | None = None,
         prices: str = "auto", price_overrides: Path | None = None, lookback_days: int | None = None,
         thresholds_file: Path | None = None, on_progress=None) -> Scan:
    """Preflight the caller, discover what its permissions let it read, cost it, and find savings and risks."""
    import dataclasses

    from . import thresholds as thresholds_module
    from .checks import run_checks
    from .metrics import MetricSeries, fetch_all, queries_for
    from .recommend import recommend
    from .costing import Period, cost_all
    from .discovery import discover
    from .iam.live import live_preflight as check_live
    from .period import month_of
    from .registry import RESOURCE_TYPES
    from .session import read_only_clients

    # Offline inputs load first, so a bad file fails before any AWS call.
    from . import pricing

    overrides = pricing.load_csv(price_overrides) if price_overrides else None
    limits = thresholds_module.load(thresholds_file) if thresholds_file else thresholds_module.DEFAULTS
    if lookback_days is not None:
        if lookback_days < 1:
            raise InputError("--lookback-days must be 1 or more")
        limits = dataclasses.replace(limits, lookback_days=lookback_days)
    book = None if prices in ("auto", "live") else price_book(prices, None, regions, False, overrides)
    clients = read_only_clients(session)
    preflight = check_live(clients, regions, principal_arn)
    account = principal_files.account_of(preflight.principal) or "*"
    period = month_of(as_of)
    book = book or price_book(prices, clients, regions, "pricing:GetProducts" not in preflight.missing_actions,
                              overrides)
    if on_progress:
        on_progress(total=len(RESOURCE_TYPES) * len(regions))
    found = discover(clients, regions, account, not_granted=preflight.missing_actions, since=period[0],
                     on_done=(lambda t, r: on_progress(advance=1)) if on_progress else None)
    lines = cost_all(found.records, book, Period(period[0], period[1], as_of))
    notes = list(book.notes)
    if "cloudwatch:GetMetricData" in preflight.missing_actions:
        series = MetricSeries()
        notes.append("cloudwatch:GetMetricData not granted: idle and over-provisioned resources are not judged")
    else:
        series = fetch_all(clients, queries_for(found.records, as_of, limits.lookback_days))
        notes.extend(series.errors)
    recommendations = recommend(lines, series, book, as_of, limits)
    findings = run_checks(found.records, preflight)
    return Scan(as_of, period, account, tuple(regions), preflight, found, book, lines, recommendations, findings,
                notes=notes, calls=dict(clients.calls))
