"""Reading Jupyter notebooks: Quarto cell options (``#| key: value``) and cell outputs."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from levelup import config_files

_LOADER = config_files.SafeLoader
_OPTION_RE = re.compile(r"^\s*#\|\s?(.*)$")


def _source_text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def cell_options(source: str) -> tuple[dict, str]:
    """Split ``#|`` option lines at the top of a cell into a dict, returning (options, remaining code)."""
    lines = source.splitlines()
    opts_lines: list[str] = []
    i = 0
    while i < len(lines) and _OPTION_RE.match(lines[i]):
        opts_lines.append(_OPTION_RE.match(lines[i]).group(1))
        i += 1
    options: dict = {}
    if opts_lines:
        try:
            parsed = yaml.load("\n".join(opts_lines), Loader=_LOADER)  # noqa: S506 - safe loader
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict):
            options = parsed
    return options, "\n".join(lines[i:])


@dataclass
class CellOutput:
    kind: str  # "image", "markdown", "html", "text"
    data: Any  # image: (bytes, ext); others: str


@dataclass
class LabelledCell:
    label: str
    options: dict
    code: str
    outputs: list[CellOutput] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _outputs(cell: dict) -> tuple[list[CellOutput], list[str]]:
    outs: list[CellOutput] = []
    errors: list[str] = []
    for out in cell.get("outputs", []) or []:
        otype = out.get("output_type")
        if otype == "error":
            errors.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
            continue
        if otype not in ("display_data", "execute_result"):
            continue  # streams (prints, warnings) are not part of the embedded result, as in Quarto
        data = out.get("data", {}) or {}
        if "image/png" in data:
            outs.append(CellOutput("image", (base64.b64decode(_join(data["image/png"])), "png")))
        elif "image/svg+xml" in data:
            outs.append(CellOutput("image", (_join(data["image/svg+xml"]).encode("utf-8"), "svg")))
        elif "image/jpeg" in data:
            outs.append(CellOutput("image", (base64.b64decode(_join(data["image/jpeg"])), "jpg")))
        elif "text/markdown" in data:
            outs.append(CellOutput("markdown", _join(data["text/markdown"])))
        elif "text/html" in data:
            outs.append(CellOutput("html", _join(data["text/html"])))
        elif "text/plain" in data:
            outs.append(CellOutput("text", _ANSI_RE.sub("", _join(data["text/plain"]))))
    return outs, errors


def read_notebook(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def labelled_cells(nb: dict, with_outputs: bool = True) -> dict[str, LabelledCell]:
    """All code cells with a ``#| label:`` option, by label."""
    cells: dict[str, LabelledCell] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        options, code = cell_options(_source_text(cell))
        label = options.get("label")
        if not label:
            continue
        outs, errs = _outputs(cell) if with_outputs else ([], [])
        cells[str(label)] = LabelledCell(str(label), options, code, outs, errs)
    return cells


def source_labels(path: Path) -> dict[str, dict]:
    """label -> options for a (possibly unexecuted) source notebook."""
    return {
        k: v.options for k, v in labelled_cells(read_notebook(path), with_outputs=False).items()
    }


def file_fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
