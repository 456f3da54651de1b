"""Every CLI command and option is documented in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import click
import typer.main

from unspun.cli import app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + " ")
        else:
            yield path, cmd


def test_every_command_and_option_is_documented():
    root = typer.main.get_command(app)
    missing = []
    for path, cmd in _commands(root):
        if f"unspun {path}" not in DOC:
            missing.append(f"command: unspun {path}")
        for p in cmd.params:
            if isinstance(p, click.Option):
                if not any(o in DOC for o in p.opts if o != "--help"):
                    missing.append(f"option of {path}: {p.opts}")
    assert not missing, missing
