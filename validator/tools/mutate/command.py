"""``responses-validator mutate``: write broken variants of a valid transcript.

Registered on the main group by ``cli.py`` (``cli.add_command(mutate_command)``); this module only
parses options and calls :func:`validator.tools.mutate.operators.write_mutants`.
"""

from __future__ import annotations

from pathlib import Path

import click

from validator.catalog import PROFILES, PROTOCOL_PROFILES
from validator.engine import CheckOptions, check_bytes
from validator.model.findings import Severity
from validator.protocols import HEAD_BYTES, detect
from validator.reading.reader import sniff_container
from validator.tools.mutate.operators import OPERATOR_TABLES, sidecar_path, write_mutants

__all__ = ["mutate_command"]


def _list_operators(protocol: str) -> None:
    tables = OPERATOR_TABLES if protocol == "auto" else {protocol: OPERATOR_TABLES[protocol]}
    width = max(len(name) for table in tables.values() for name in table)
    for table in tables.values():
        for op in table.values():
            click.echo(f"{op.name:<{width}}  {op.rule:<6}  {op.doc}")


def _warn_if_invalid(file: Path, data: bytes, profile: str) -> None:
    """Each mutant's sidecar names the one finding its defect causes: that holds only when the
    transcript passes ``check`` to begin with. Say so when it does not (the mutants are still
    written: a user may want to study them)."""
    result = check_bytes(data, str(file), CheckOptions(profile=profile))
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        click.echo(
            f"warning: {file} does not pass check in the {profile} profile ({len(errors)} error(s),"
            f" first {first.rule} at line {first.line}: {first.message}); its mutants hold those"
            " errors too, besides the one each sidecar expects",
            err=True,
        )


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
    "--protocol",
    type=click.Choice(("auto", *OPERATOR_TABLES)),
    default="auto",
    show_default=True,
    help="FILE's protocol, which chooses the operators; auto recognises it.",
)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    help="Profile FILE is valid in (recorded in the sidecars).  [default: the protocol's first]",
)
@click.option("--list", "list_ops", is_flag=True, help="List the operators and the rule each one triggers.")
def mutate_command(
    file: Path | None,
    out_dir: Path | None,
    ops: tuple[str, ...],
    seed: int,
    protocol: str,
    profile: str | None,
    list_ops: bool,
) -> None:
    """Write one-defect variants of a valid transcript FILE (SSE or JSONL) into --out.

    Each mutant comes with <mutant>.expected.json naming the rule that must report it and the line
    where it must be reported. Operators that find nothing to break in FILE write nothing.
    """
    if list_ops:
        _list_operators(protocol)
        return
    if file is None or out_dir is None:
        raise click.UsageError("FILE and --out are required (or use --list)")
    if protocol == "auto":
        with file.open("rb") as fh:
            protocol = detect(fh.read(HEAD_BYTES)).name
    profile = profile or PROTOCOL_PROFILES[protocol][0]
    names = _split(ops)
    unknown = [n for n in names if n not in OPERATOR_TABLES[protocol]]
    if unknown:
        raise click.BadParameter(
            f"unknown operator(s): {', '.join(unknown)} (see --list)", param_hint="--ops"
        )
    data = file.read_bytes()
    kind = sniff_container(data[:65536])
    if kind is not None:
        raise click.ClickException(
            f"{file}: cannot mutate a {kind} file: mutate takes one SSE or JSON Lines transcript"
        )
    _warn_if_invalid(file, data, profile)
    try:
        written = write_mutants(file, out_dir, names or None, seed, profile, protocol)
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    for path in written:
        click.echo(f"{path}  ({sidecar_path(path).name})")
    click.echo(f"{len(written)} mutant(s) of {file.name} written to {out_dir}", err=True)
