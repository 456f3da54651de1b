"""Every CLI command and option is documented in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import typer.main

from unspun.cli import app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


# typer may vendor its own copy of click, so commands and options are told apart by what
# they have, not by isinstance against the click package (which then never matched)
def _commands(group, prefix: str = ""):
    for name, cmd in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path + " ")
        else:
            yield path, cmd


def test_every_command_and_option_is_documented():
    root = typer.main.get_command(app)
    missing = []
    commands = list(_commands(root))
    assert {"check", "index add", "scan report", "serve"} <= {p for p, _ in commands}
    options = 0
    for path, cmd in commands:
        if f"unspun {path}" not in DOC:
            missing.append(f"command: unspun {path}")
        for p in cmd.params:
            if getattr(p, "param_type_name", None) == "option":
                options += 1
                if not any(o in DOC for o in p.opts if o != "--help"):
                    missing.append(f"option of {path}: {p.opts}")
    assert options >= 30  # the walk really reached the options
    assert not missing, missing
