"""Quarto post-render step written into the staged project by levelup (``_levelup/post_render.py``).

Puts the edition switcher and the colophon -- the same HTML the built-in engine's page template
places, from ``levelup.report.render.html.site_parts`` -- at the end of each page's ``<main>``.
Quarto runs it after every render of the project (``project: post-render:``, with
``QUARTO_PROJECT_OUTPUT_DIR`` set; quarto-cli ``src/project/project-scripts.ts``), so a plain
``quarto render`` or ``quarto preview`` gives readers the same site as ``levelup build``.
Standard library only: it runs with whatever Python Quarto finds.
"""

import json
import os
import re
from pathlib import Path

START, END = "<!-- levelup:site-parts -->", "<!-- /levelup:site-parts -->"
_EXISTING = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)


def place(text: str, block: str) -> str:
    """``text`` with ``block`` (between the markers) replacing the previous one, or inserted
    before ``</main>`` (else ``</body>``)."""
    block = f"{START}\n{block}\n{END}"
    if START in text:
        return _EXISTING.sub(lambda _: block, text, count=1)
    for tag in ("</main>", "</body>"):
        at = text.rfind(tag)
        if at >= 0:
            return text[:at] + block + "\n" + text[at:]
    return text + block


def main() -> int:
    here = Path(__file__).resolve().parent
    parts = json.loads((here / "site-parts.json").read_text(encoding="utf-8"))
    out = Path(os.environ.get("QUARTO_PROJECT_OUTPUT_DIR") or parts["output_dir"])
    if not out.is_absolute():
        out = here.parent / out
    for page, block in parts["pages"].items():
        path = out / page
        if path.is_file():  # an incremental render rewrites only some pages
            path.write_text(place(path.read_text(encoding="utf-8"), block), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
