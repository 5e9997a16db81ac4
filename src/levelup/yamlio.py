"""YAML parsing with libyaml's C loader when PyYAML was built with it (about 10x faster than the
pure-Python loader on the metric registry and dataset catalogue, which every notebook reads)."""

from __future__ import annotations

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load`` semantics (no arbitrary objects), on the fastest available loader."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
