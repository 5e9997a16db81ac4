"""Citation keys of the bibliography files (BibTeX/BibLaTeX, CSL JSON, CSL YAML)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from levelup import config_files

from .errors import Problem, RenderError

_BIB_ENTRY_RE = re.compile(r"@(\w+)\s*[{(]\s*([^,\s{}()]+)\s*,")


def bib_keys(paths: list[Path], project_dir: Path) -> set[str] | None:
    """All keys, or None when the book has no bibliography."""
    if not paths:
        return None
    keys: set[str] = set()
    for path in paths:
        rel = (
            path.relative_to(project_dir).as_posix()
            if path.is_relative_to(project_dir)
            else str(path)
        )
        if not path.exists():
            raise RenderError(Problem("_quarto.yml", 0, f"bibliography {rel} not found"))
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix.lower()
        if suffix in (".bib", ".bibtex"):
            for m in _BIB_ENTRY_RE.finditer(text):
                if m.group(1).lower() not in ("comment", "string", "preamble"):
                    keys.add(m.group(2))
        elif suffix == ".json":
            keys.update(str(item["id"]) for item in json.loads(text) if "id" in item)
        elif suffix in (".yaml", ".yml"):
            data = config_files.safe_load(text) or {}
            refs = data.get("references", []) if isinstance(data, dict) else data
            keys.update(str(item["id"]) for item in refs if isinstance(item, dict) and "id" in item)
        else:
            raise RenderError(Problem("_quarto.yml", 0, f"unsupported bibliography format {rel}"))
    return keys
