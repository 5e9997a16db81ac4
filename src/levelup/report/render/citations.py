"""Citations of the whole book in one citeproc run.

pandoc's citeproc formats the whole bibliography on every call (about 0.1 s for the book's 76
entries), so one run per chapter cost two seconds of a cold render. When the book has a
references page (a ``::: {#refs}`` div), every ``Cite`` of the book is gathered in document order
into one small document, one ``Div`` per chapter followed by the references ``Div``; citeproc runs
once on it and the rendered citations and bibliography are put back into the chapters' ASTs, which
the writers then turn into HTML and Typst without citeproc.

This gives the same text as Quarto's book rendering: with an author-date style a citation's text
depends on the whole set of works cited (disambiguation such as 2022a/2022b), which is the same
here, and not on the chapter it appears in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from . import ast as A
from .cache import Cache, sha256
from .errors import RenderError
from .transform import Chapter


@dataclass
class CiteRun:
    """What :func:`cite_book` did: whether citeproc ran (else: cache) and its seconds."""

    ran: bool
    seconds: float


def _cites(chapter: Chapter) -> list[A.Node]:
    return [n for n in A.iter_nodes(chapter.ast["blocks"]) if n["t"] == "Cite"]


def _refs_div(chapter: Chapter) -> A.Node:
    for node in A.iter_nodes(chapter.ast["blocks"]):
        if node["t"] == "Div" and node["c"][0][0] == "refs":
            return node
    raise RenderError(f"{chapter.source}: no '::: {{#refs}}' div", file=chapter.source)


def cite_document(chapters: Sequence[Chapter], refs_chapter: Chapter) -> tuple[dict, list]:
    """(the pandoc document given to citeproc, the Cite nodes of the book in its order)."""
    blocks: list[A.Node] = []
    nodes: list[A.Node] = []
    for i, ch in enumerate(chapters):
        cites = _cites(ch)
        nodes.extend(cites)
        if cites:
            inlines: list[A.Node] = []
            for cite in cites:
                if inlines:
                    inlines.append(A.Space())
                inlines.append(cite)
            blocks.append(A.Div(A.attr(f"lu-cites-{i}"), [A.Para(inlines)]))
        if ch is refs_chapter:
            blocks.append(A.Div(_refs_div(ch)["c"][0], []))
    doc = {
        "pandoc-api-version": refs_chapter.ast["pandoc-api-version"],
        "meta": {},
        "blocks": blocks,
    }
    return doc, nodes


def cite_book(
    chapters: Sequence[Chapter],
    refs_chapter: Chapter,
    citeproc: dict,
    cache: Cache,
    key_parts: Sequence[str],
    run,
) -> CiteRun:
    """Render every citation and the bibliography in place in the chapters' ASTs.

    ``citeproc`` are the runner's options (bibliography, csl, lang); ``key_parts`` what else the
    result depends on (pandoc, runner and bibliography versions); ``run`` runs pandoc jobs
    (:func:`levelup.report.render.pandoc.run_jobs`).
    """
    doc, nodes = cite_document(chapters, refs_chapter)
    doc_json = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    key = sha256("cite", *key_parts, doc_json)
    cached = cache.get_text("cite", key)
    ran, seconds = cached is None, 0.0
    if cached is None:
        job = {"id": "cite", "op": "cite", "ast": doc_json, "citeproc": citeproc}
        res = run([job])["cite"]
        if "error" in res:
            raise RenderError(f"citeproc failed: {res['error']}", file=refs_chapter.source)
        cached, seconds = res["ast"], res.get("seconds", 0.0)
        cache.put("cite", key, cached)
    out = json.loads(cached)["blocks"]
    rendered = [n for n in A.iter_nodes(out) if n["t"] == "Cite"]
    bibliography = next(n for n in A.iter_nodes(out) if n["t"] == "Div" and n["c"][0][0] == "refs")
    if len(rendered) != len(nodes):
        raise RenderError(
            f"citeproc returned {len(rendered)} citations for {len(nodes)}",
            file=refs_chapter.source,
        )
    for node, done in zip(nodes, rendered, strict=True):
        node["c"] = done["c"]
    _refs_div(refs_chapter)["c"] = bibliography["c"]
    return CiteRun(ran=ran, seconds=seconds)
