"""`python -m sagecheck`: the same as the `sagecheck` command, without relying on PATH."""
from .cli import run

run()
