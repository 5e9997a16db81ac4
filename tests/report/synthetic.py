"""A synthetic book the size of the real report (22 chapters, 18 notebooks) for timing the renderer.

Run ``uv run python tests/report/synthetic.py`` to print full and incremental render timings.
The executed notebooks are made by relabelling the cells of an already executed notebook, so no
kernel is needed.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "book"

WORDS = [
    "the",
    "gap",
    "in",
    "outcomes",
    "between",
    "regions",
    "narrowed",
    "slightly",
    "over",
    "the",
    "period",
    "while",
    "the",
    "level",
    "of",
    "the",
    "indicator",
    "rose",
    "in",
    "most",
    "places",
    "and",
    "fell",
    "in",
    "a",
    "few",
    "areas",
    "where",
    "local",
    "labour",
    "markets",
    "weakened",
    "estimates",
    "for",
    "small",
    "areas",
    "are",
    "volatile",
    "and",
    "intervals",
    "overlap",
    "for",
    "many",
    "pairs",
    "of",
    "places",
]


def _prose(n_words: int, seed: int) -> str:
    words = [WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(n_words)]
    sentences = [" ".join(words[i : i + 18]).capitalize() + "." for i in range(0, len(words), 18)]
    paras = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paras)


def make_book(
    root: Path, executed_template: Path, n_chapters: int = 22, n_notebooks: int = 18
) -> dict:
    """Write the book under ``root``; return render_book kwargs (without out_dir)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "chapters").mkdir(parents=True)
    (root / "analysis" / "missions").mkdir(parents=True)
    (root / "executed").mkdir()
    shutil.copy(FIXTURE / "references.bib", root / "references.bib")
    template = json.loads(executed_template.read_text())
    executed = {}
    for k in range(n_notebooks):
        nb = copy.deepcopy(template)
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            src = src.replace("fig-hle-gap", f"fig-nb{k}-a").replace(
                "tbl-hle-regions", f"tbl-nb{k}-a"
            )
            src = src.replace("tbl-pay-summary", f"tbl-nb{k}-b")
            cell["source"] = src
        rel = f"analysis/missions/m{k:02d}.ipynb"
        (root / rel).write_text(json.dumps(nb))
        (root / "executed" / f"m{k:02d}.ipynb").write_text(json.dumps(nb))
        executed[Path(rel)] = root / "executed" / f"m{k:02d}.ipynb"
    chapters = []
    for c in range(n_chapters):
        k = c % n_notebooks
        name = f"chapters/{c + 1:02d}-mission.qmd"
        chapters.append(name)
        prev = f"@sec-ch{c - 1}-s1" if c else "@sec-ch0-s2"
        body = [
            f"# Mission {c + 1} {{#sec-ch{c}}}",
            "",
            f"The headline gap is {{{{< var health.hle_gap >}}}} years [@ons2024hle]. {prev} has the method.",
            "",
            _prose(400, c),
            "",
        ]
        if c < n_notebooks:
            body += [
                f"{{{{< embed ../analysis/missions/m{k:02d}.ipynb#fig-nb{k}-a >}}}}",
                "",
                f"@fig-nb{k}-a and @tbl-nb{k}-a show the detail.",
                "",
                f"{{{{< embed ../analysis/missions/m{k:02d}.ipynb#tbl-nb{k}-a >}}}}",
                "",
            ]
        for s in range(1, 4):
            body += [f"## Section {s} {{#sec-ch{c}-s{s}}}", "", _prose(500, c * 10 + s), ""]
            if s == 2:
                body += ["::: {.callout-note}", "## Interpretation", _prose(60, s), ":::", ""]
        (root / name).write_text("\n".join(body))
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\n" + _prose(200, 99) + "\n")
    (root / "references.qmd").write_text("# References {.unnumbered}\n\n::: {#refs}\n:::\n")
    config = {
        "project": {"type": "book"},
        "book": {
            "title": "Synthetic report",
            "chapters": ["index.qmd", {"part": "Missions", "chapters": chapters}, "references.qmd"],
        },
        "bibliography": "references.bib",
    }
    (root / "_quarto.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return {
        "project_dir": root,
        "profile": "2026",
        "executed_notebooks": executed,
        "variables": {"health": {"hle_gap": 10.3}},
    }


def main() -> None:  # pragma: no cover - manual benchmark
    import os
    import tempfile

    sys.path.insert(0, str(HERE))
    from helpers import NOTEBOOK, execute_notebook

    from levelup.report.render import render_book

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    work = Path(tempfile.mkdtemp(prefix="levelup-synth-"))
    executed = execute_notebook(FIXTURE / NOTEBOOK, work / "exec" / "health.ipynb", work)
    kwargs = make_book(work / "book", executed)
    cache = work / "cache"
    out = work / "out"

    def run(label: str) -> None:
        t = time.perf_counter()
        res = render_book(
            **kwargs, out_dir=out, site_meta={"edition": "2026", "version": "1"}, cache_dir=cache
        )
        wall = time.perf_counter() - t
        print(
            f"{label:32s} wall {wall:5.2f}s  re-rendered {len(res.rendered_pages):2d} pages  "
            + ", ".join(f"{k} {v:.2f}" for k, v in res.timings.items())
        )

    run("full render (cold cache)")
    run("no change (warm cache)")
    ch = kwargs["project_dir"] / "chapters" / "05-mission.qmd"
    ch.write_text(ch.read_text().replace("The headline gap", "The headline gap (edited)"))
    run("prose edit of one chapter")
    ch.write_text(ch.read_text().replace("(edited)", "(edited twice)"))
    run("second prose edit")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    main()
