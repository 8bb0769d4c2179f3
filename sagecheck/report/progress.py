"""A progress bar on a terminal; silence everywhere else (pipes, CI, --quiet)."""
from __future__ import annotations

import sys
from contextlib import contextmanager


@contextmanager
def progress(description: str, quiet: bool = False):
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, console=None) as bar:
        task = bar.add_task(description, total=None)

        def update(total: int | None = None, advance: int = 0) -> None:
            if total is not None:
                bar.update(task, total=total)
            if advance:
                bar.advance(task, advance)

        yield update
