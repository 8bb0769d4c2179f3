"""The library API the CLI is a thin layer over. Import and call these from your own code."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from . import catalog as catalog_module
from .catalog import Catalog, CatalogEntry
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
