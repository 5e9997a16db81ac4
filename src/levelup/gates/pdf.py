"""PDF gate: fonts embedded, text extractable, every chapter title present.

* every font in every page's resources (including fonts of form XObjects, recursively) is
  embedded: its font descriptor has ``FontFile``, ``FontFile2`` or ``FontFile3`` (Type 3
  fonts are drawn by the PDF itself and count as embedded) — checked with ``pypdf``;
* ``pdftotext`` (Debian ``poppler-utils``) extracts non-trivial text: at least
  ``min_chars`` visible characters, mostly letters/digits, without U+FFFD replacement
  characters that signal a font without a usable ToUnicode map;
* every chapter title appears in the text, after normalising Unicode (NFKC: ligatures such
  as "ﬁ" become "fi"), case, quotes and dashes, whitespace and line-end hyphenation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from levelup.gates.result import GateResult

GATE = "pdf"
PDFTOTEXT_HINT = "install it with `apt-get install -y poppler-utils` (Debian)"
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_WS = re.compile(r"\s+")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\r?\n\s*(\w)")


class PdfToolMissing(RuntimeError):
    pass


# -- fonts -----------------------------------------------------------------------------------
def _resolve(obj: Any) -> Any:
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _font_embedded(font: Any) -> bool:
    subtype = str(font.get("/Subtype", ""))
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = _resolve(font.get("/DescendantFonts")) or []
        if not descendants:
            return False
        return all(_font_embedded(_resolve(d)) for d in descendants)
    descriptor = _resolve(font.get("/FontDescriptor"))
    if descriptor is None:
        return False  # e.g. a bare standard-14 font: drawn with whatever the viewer has
    return any(k in descriptor for k in _FONT_FILES)


def unembedded_fonts(pdf_path: Path | str) -> dict[str, list[int]]:
    """Fonts that are not embedded: ``{"BaseFont (Subtype)": [page numbers]}``."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    problems: dict[str, list[int]] = {}
    checked: dict[int, bool] = {}

    def walk(resources: Any, page_no: int, seen: set[int]) -> None:
        resources = _resolve(resources)
        if not resources:
            return
        fonts = _resolve(resources.get("/Font")) or {}
        for _, ref in fonts.items():
            font = _resolve(ref)
            ident = getattr(ref, "idnum", None) or id(font)
            if ident not in checked:
                checked[ident] = _font_embedded(font)
            if not checked[ident]:
                label = (
                    f"{str(font.get('/BaseFont', '?')).lstrip('/')} ({font.get('/Subtype', '?')})"
                )
                pages = problems.setdefault(label, [])
                if page_no not in pages:
                    pages.append(page_no)
            # a Type 3 font's glyph procedures may use fonts of their own
            if str(font.get("/Subtype", "")) == "/Type3" and "/Resources" in font:
                walk(font["/Resources"], page_no, seen)
        xobjects = _resolve(resources.get("/XObject")) or {}
        for _, ref in xobjects.items():
            ident = getattr(ref, "idnum", None)
            if ident is not None and ident in seen:
                continue
            xobj = _resolve(ref)
            if str(xobj.get("/Subtype", "")) == "/Form" and "/Resources" in xobj:
                walk(xobj["/Resources"], page_no, seen | ({ident} if ident else set()))

    for page_no, page in enumerate(reader.pages, start=1):
        walk(page.get("/Resources"), page_no, set())
        for annot in _resolve(page.get("/Annots")) or []:
            appearance = _resolve(_resolve(annot).get("/AP")) or {}
            normal = _resolve(appearance.get("/N"))
            if normal is not None and hasattr(normal, "get") and "/Resources" in normal:
                walk(normal["/Resources"], page_no, set())
    return problems


# -- text ------------------------------------------------------------------------------------
def extract_text(pdf_path: Path | str, pdftotext: str | None = None) -> str:
    """Text of the PDF via ``pdftotext`` (raises :class:`PdfToolMissing` when absent)."""
    exe = shutil.which(pdftotext or "pdftotext")
    if not exe:
        raise PdfToolMissing(f"pdftotext not found ({pdftotext or 'on PATH'}): {PDFTOTEXT_HINT}")
    proc = subprocess.run(
        [exe, "-enc", "UTF-8", str(pdf_path), "-"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"pdftotext failed (exit {proc.returncode}): {err}")
    return proc.stdout.decode("utf-8", "replace")


def normalise(text: str, *, join_hyphenation: bool = True) -> str:
    """Normalise text for matching: NFKC, casefold, plain quotes/dashes, one space.

    ``join_hyphenation`` reads a hyphen at a line end as hyphenation and drops it;
    otherwise it is kept as a real hyphen (the line break is dropped either way).
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.translate(_DASHES).translate(_QUOTES)
    # a hyphen at a line end: either hyphenation ("expec-|tancy") or a real hyphen
    # ("well-|being"); callers try both readings
    text = _HYPHEN_BREAK.sub(r"\1\2" if join_hyphenation else r"\1-\2", text)
    return _WS.sub(" ", text).strip().casefold()


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def missing_titles(text: str, titles: Iterable[str]) -> list[str]:
    """The titles that do not appear in ``text`` (see :func:`normalise`)."""
    variants = [normalise(text), normalise(text, join_hyphenation=False)]
    compact = _alnum(variants[0])
    missing = []
    for title in titles:
        wanted = normalise(title, join_hyphenation=False)
        if not wanted:
            continue
        if any(wanted in v for v in variants):
            continue
        # last resort, for titles broken across lines or with odd spacing: letters only,
        # but only for titles long enough not to match by accident
        squeezed = _alnum(wanted)
        if len(squeezed) >= 12 and squeezed in compact:
            continue
        missing.append(title)
    return missing


def check_pdf(
    pdf_path: Path | str,
    chapter_titles: Iterable[str] = (),
    *,
    min_chars: int = 200,
    pdftotext: str | None = None,
) -> GateResult:
    """Run the PDF gate on one file."""
    pdf_path = Path(pdf_path)
    result = GateResult(GATE)
    name = pdf_path.name
    if not pdf_path.is_file():
        result.fail(f"{pdf_path}: no such PDF (build the report first)")
        return result

    try:
        problems = unembedded_fonts(pdf_path)
    except Exception as exc:  # pypdf raises many types on broken files
        result.fail(f"{name}: cannot read the PDF: {exc}")
        return result
    for label, pages in sorted(problems.items()):
        shown = ", ".join(map(str, pages[:10])) + (" ..." if len(pages) > 10 else "")
        result.fail(f"{name}: font {label} is not embedded (page(s) {shown})")

    try:
        text = extract_text(pdf_path, pdftotext)
    except (PdfToolMissing, RuntimeError, subprocess.TimeoutExpired) as exc:
        result.fail(f"{name}: {exc}")
        return result
    visible = _WS.sub("", text)
    if len(visible) < min_chars:
        result.fail(
            f"{name}: only {len(visible)} characters of text extracted (expected >= {min_chars}); "
            "is the text drawn as outlines or images?"
        )
    elif visible:
        good = sum(1 for ch in visible if ch.isalnum())
        bad = visible.count("\ufffd")
        if good / len(visible) < 0.5 or bad > max(5, len(visible) // 1000):
            result.fail(
                f"{name}: extracted text looks garbled ({good / len(visible):.0%} letters/digits, "
                f"{bad} U+FFFD); check the fonts' ToUnicode maps"
            )

    titles = [t for t in chapter_titles if t and t.strip()]
    for title in missing_titles(text, titles):
        result.fail(f"{name}: chapter title '{title}' not found in the text")
    if not titles:
        result.note("no chapter titles given: title check skipped")

    from pypdf import PdfReader

    pages = len(PdfReader(str(pdf_path)).pages)
    result.note(
        f"{name}: {pages} page(s), {len(visible)} characters of text, "
        f"{len(titles)} chapter title(s) checked"
    )
    result.details.update(text_chars=len(visible), pages=pages)
    return result
