"""Generate ``data/sources.toml`` (the pin of every input file) from a data mirror's own listings.

Usage::

    uv run python scripts/generate_sources.py --mirror ../shared/data --out data/sources.toml

See :mod:`levelup.data.pinning` for where each field comes from; ``levelup edition new`` adds
one new vintage the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from levelup.data.pinning import dumps, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mirror", type=Path, required=True, help="data mirror root (e.g. ../shared/data)"
    )
    parser.add_argument("--out", type=Path, default=Path("data/sources.toml"))
    args = parser.parse_args(argv)
    document = generate(args.mirror)
    args.out.write_bytes(dumps(document).encode())
    print(f"wrote {len(document['file'])} pinned files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
