"""The permission catalog as a table."""
from __future__ import annotations

from ..catalog import Catalog
from .console import render, table


def catalog_table(catalog: Catalog) -> str:
    rows = [
        [
            e.action,
            e.access_level,
            "*" if e.wildcard_only else "scoped",
            ", ".join((*e.resource_types, *(f"feature:{f}" for f in e.features))),
        ]
        for e in catalog.entries
    ]
    return render(
        table(f"sagecheck permission catalog: {len(rows)} read-only actions", ["action", "level", "resource", "needed by"], rows)
    )
