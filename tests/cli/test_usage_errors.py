"""Ordinary mistakes at the command line: one ``error:`` line, status 2, before any work.

Each case runs the real ``levelup`` command group (typer's CliRunner, as a person types it) and
must finish quickly: a usage error is refused at parse time, before data are verified or loaded.
"""

from __future__ import annotations

import re
import socket
import time

import pytest
from typer.testing import CliRunner

from levelup.cli import app

runner = CliRunner()

USAGE_ERRORS = [
    (["data", "validate", "nosuch"], "unknown dataset(s) nosuch"),
    (["data", "list", "--edition", "1999"], "unknown edition 1999"),
    (["metrics", "list", "--mission", "13"], "--mission"),
    (["metrics", "list", "--capital", "foo"], "'foo' is not one of physical"),
    (["metrics", "list", "--edition", "1999"], "unknown edition 1999"),
    (["edition", "changes", "--edition", "1999"], "unknown edition 1999"),
    (["build", "--engine", "foo"], "'foo' is not one of auto, quarto, builtin"),
    (["build", "--edition", "1999"], "unknown edition 1999"),
    (["build", "--formats", "docx"], "unknown format(s)"),
    (["check", "--edition", "1999"], "unknown edition 1999"),
    (["preview", "--port", "99999"], "--port"),
    (["build", "-P", "nosuch=1"], "no notebook has a parameter 'nosuch'"),
    (["preview", "-P", "target_year"], "write -P name=value"),
    (["findings", "--edition", "1999"], "unknown edition 1999"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=lambda a: " ".join(a))
def test_usage_error_is_one_line_with_status_2(args, message):
    started = time.process_time()
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert message in lines[0]
    assert "Traceback" not in result.output and "╭" not in result.output
    # refused before any work: nothing verified, loaded or built (CPU time, not wall time)
    assert time.process_time() - started < 5


def test_a_second_preview_on_a_busy_port_is_refused_before_building():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.process_time()
        result = runner.invoke(app, ["preview", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().count("\n") == 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert time.process_time() - started < 5


def test_no_arguments_prints_the_help():
    result = runner.invoke(app, ["data"])
    assert result.exit_code == 2
    assert result.output.startswith("Usage: levelup data")


COMMANDS = [
    [],
    ["build"],
    ["check"],
    ["preview"],
    ["findings"],
    ["data", "fetch"],
    ["data", "list"],
    ["data", "validate"],
    ["edition", "changes"],
    ["metrics", "list"],
    ["gates", "all"],
    ["gates", "links"],
    ["kernels", "stop"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "levelup")
def test_help_reads_well_at_80_columns(command):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "<bool>" not in text and "╭" not in text
    assert max(map(len, text.splitlines())) <= 80
    # paragraphs are re-flowed, not hard-wrapped at the docstring's line breaks: inside a
    # paragraph of the description no line stops far short of the width
    description = re.split(r"\n(?:Arguments|Options|Commands):", text)[0].split("\n\n")[1:]
    for paragraph in description:
        lines = paragraph.splitlines()
        for line in lines[:-1]:
            assert len(line) > 50, f"hard-wrapped line {line!r} in:\n{paragraph}"


@pytest.mark.parametrize(
    ("command", "key"),
    [(["data", "list", "--json"], "datasets")],
)
def test_json_output_is_json_only(command, key):
    import json

    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data[key] and all("…" not in str(row) for row in data[key])


def test_dataset_ids_are_never_shortened_in_tables():
    from levelup.data.catalogue import Catalogue

    longest = max(Catalogue().datasets(Catalogue().latest_edition.year), key=len)
    result = runner.invoke(app, ["data", "list"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.output
    assert re.search(rf"\b{re.escape(longest)}\b", result.output)
