"""``responses-validator mutate``: write broken variants of a valid transcript.

Registered on the main group by ``cli.py`` (``cli.add_command(mutate_command)``); this module only
parses options and calls :func:`validator.tools.mutate.operators.write_mutants`.
"""

from __future__ import annotations

from pathlib import Path

import click

from validator.catalog import PROFILES
from validator.tools.mutate.operators import OPERATORS, sidecar_path, write_mutants

__all__ = ["mutate_command"]


def _list_operators() -> None:
    width = max(len(name) for name in OPERATORS)
    for op in OPERATORS.values():
        click.echo(f"{op.name:<{width}}  {op.rule}  {op.doc}")


def _split(values: tuple[str, ...]) -> list[str]:
    # --ops accepts repeats and comma lists alike: --ops a --ops b,c
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command("mutate")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Directory for the mutants."
)
@click.option("--ops", multiple=True, metavar="NAME[,NAME…]", help="Operators to apply (default: all).")
@click.option("--seed", type=int, default=0, show_default=True, help="Chooses each operator's target.")
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="openai",
    show_default=True,
    help="Profile FILE is valid in (recorded in the sidecars).",
)
@click.option("--list", "list_ops", is_flag=True, help="List the operators and the rule each one triggers.")
def mutate_command(
    file: Path | None, out_dir: Path | None, ops: tuple[str, ...], seed: int, profile: str, list_ops: bool
) -> None:
    """Write one-defect variants of a valid transcript FILE (SSE or JSONL) into --out.

    Each mutant comes with <mutant>.expected.json naming the rule that must report it and the line
    where it must be reported. Operators that find nothing to break in FILE write nothing.
    """
    if list_ops:
        _list_operators()
        return
    if file is None or out_dir is None:
        raise click.UsageError("FILE and --out are required (or use --list)")
    names = _split(ops)
    unknown = [n for n in names if n not in OPERATORS]
    if unknown:
        raise click.BadParameter(
            f"unknown operator(s): {', '.join(unknown)} (see --list)", param_hint="--ops"
        )
    try:
        written = write_mutants(file, out_dir, names or None, seed, profile)
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    for path in written:
        click.echo(f"{path}  ({sidecar_path(path).name})")
    click.echo(f"{len(written)} mutant(s) of {file.name} written to {out_dir}", err=True)
