"""Tables for people. Pure rendering: data in, text out."""
from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table


def render(*renderables, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None, soft_wrap=False)
    for item in renderables:
        console.print(item)
    return buffer.getvalue()


def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*row)
    return result
