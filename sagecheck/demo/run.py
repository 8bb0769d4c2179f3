"""`sagecheck demo`: the real pipeline against the simulated account.

The only simulated thing is AWS. The flow is the onboarding story: preflight shows the gap and writes the
missing policy, the demo applies it inside the simulation (as an admin would), preflight turns green, and
the full scan runs with the same code as `sagecheck scan`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .. import api
from ..iam.generate import Scope, policy_documents
from .iam_fakes import install_simulator
from .scenario import SCANNER_ROLE_NAME, simulated_account

DEMO_REGIONS = ("eu-west-1",)  # the region the bundled price snapshot covers best


@dataclass
class DemoResult:
    before: api.PreflightResult
    after: api.PreflightResult
    policies: list[dict]
    scan: api.Scan


def run_demo(as_of: dt.datetime, regions: Sequence[str] = DEMO_REGIONS, *, prices: str = "auto",
             say: Callable[[str], None] = lambda line: None, policy_out: Path | None = None,
             on_progress=None) -> DemoResult:
    with simulated_account(as_of, regions=tuple(regions)) as account:
        admin = account.new_admin_session()
        install_simulator(account.fake, admin.client("iam"))

        before = api.live_preflight(None, regions, session=account.session)
        missing = api.missing_entries(before)
        say(f"1. preflight of {before.principal}: {len(before.with_status('granted'))} granted, "
            f"{len(missing)} missing or inconclusive")
        documents = policy_documents(missing, Scope(regions=tuple(regions), account=account.account_id))
        if policy_out is not None:
            from ..output import write_atomic

            write_atomic(policy_out, json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n")
            say(f"   wrote the missing policy to {policy_out}")

        iam = admin.client("iam")
        for number, document in enumerate(documents, 1):
            iam.put_role_policy(RoleName=SCANNER_ROLE_NAME, PolicyName=f"sagecheck-missing-{number}",
                                PolicyDocument=json.dumps(document))
        say(f"2. applied {len(documents)} generated policy document(s) to role {SCANNER_ROLE_NAME}")

        after = api.live_preflight(None, regions, session=account.session)
        say(f"3. preflight again: {len(after.missing_actions)} missing")

        scan = api.scan(account.session, regions, as_of, prices=prices, on_progress=on_progress)
        say(f"4. scanned {len(scan.discovery.records)} resources with {sum(scan.calls.values())} API calls")
        return DemoResult(before, after, documents, scan)
