"""Reading the project's configuration files (``data/*.toml``, ``data/*.yaml``, ``_quarto.yml``).

YAML goes through libyaml's C loader when PyYAML was built with it (about 10x faster than the
pure-Python loader). Whole files are parsed once per process and reused while their size and
modification time are unchanged: a build kernel runs many notebooks, and each one reads the
manifest (366 pins), the dataset catalogue and the metric registry. Callers must treat a parsed
document as read-only.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load`` semantics (no arbitrary objects), on the fastest available loader."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read_yaml(path: Path):
    """A YAML file, parsed once per (path, size, mtime)."""
    return _parsed(*_identity(path), "yaml")


def read_toml(path: Path) -> dict:
    """A TOML file, parsed once per (path, size, mtime)."""
    return _parsed(*_identity(path), "toml")


def _identity(path: Path) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=32)
def _parsed(path: str, size: int, mtime_ns: int, kind: str):
    text = Path(path).read_text(encoding="utf-8")
    return safe_load(text) if kind == "yaml" else tomllib.loads(text)
