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


def _help_pages():
    from typer.testing import CliRunner

    root = typer.main.get_command(app)
    paths = [[], *[p.split() for p, _ in _commands(root)], ["index"], ["scan"]]
    for path in paths:
        r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400", "NO_COLOR": "1"})
        assert r.exit_code == 0, (path, r.output)
        yield " ".join(path), r.output


def test_help_reads_as_written():
    import re

    pages = dict(_help_pages())
    assert len(pages) >= 10
    allowed = re.compile(r"\[(default: [^\]]+|required|env var: [^\]]+|[-+0-9.x<>=]+|OPTIONS|ARGS)\]")
    for path, text in pages.items():
        assert "<bool>" not in text, path  # a flag takes no value
        for line in text.splitlines():
            if "--help" in line:
                assert re.search(r"--help\s+Show this message", line), (path, line)
        # every bracket is typer's own ([default: …], [required], a range); a default written
        # by hand ("[3]") would print in a second style
        panels = "\n".join(line for line in text.splitlines() if line.startswith("│"))
        rest = allowed.sub("", re.sub(r"<[^>\n]*>", "", panels))
        rest = re.sub(r"'unspun\[\w+\]'", "", rest)  # an extra, as pip is told to install it
        assert not re.search(r"\[[^\]\n]*\]", rest), (path, re.findall(r"\[[^\]\n]*\]", rest))
    scan = pages["scan run"]
    assert "pip install 'unspun[spark]'" in scan  # Rich markup no longer swallows "[spark]"
    for default in ("[default: 3]", "[default: 30]", "[default: 0.05]", "[default: 4GB]", "[default: local]"):
        assert default in scan, default
    assert "[default: DIR/report.html]" in pages["scan report"]
