"""The PDF: pandoc's Typst fragments assembled into one book and compiled with the typst package."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path

from .errors import RenderError

TEMPLATE = Path(__file__).parent / "templates" / "levelup.typ"
#: Where one chapter starts in the composed book: the build directory holds one file per chapter.
CHAPTER_MARK = "// levelup: chapter"


def typst_string(s: str) -> str:
    s = "".join(ch for ch in str(s) if ch in "\n\t" or ord(ch) >= 32)
    return (
        '"'
        + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        + '"'
    )


def is_release_version(version: str) -> bool:
    """A released version ("2026.1.0"), not a development build ("0.1.0+5058778", "1.0.dev3"):
    only a release is printed in the page footers; the colophon always gives the code version."""
    return re.fullmatch(r"\d+(\.\d+)*", version.strip()) is not None


def publication_date(date: str | None) -> str | None:
    """An ISO date as the title page prints it ("2 December 2026"); anything else unchanged."""
    if not date:
        return date
    try:
        d = _dt.date.fromisoformat(str(date)[:10])
    except ValueError:
        return date
    return f"{d.day} {d:%B %Y}"


def compose_book(
    *,
    title: str,
    subtitle: str | None,
    authors: list[str],
    lang: str,
    site_meta: Mapping,
    date: str | None,
    chapters: list[tuple[str | None, str]],  # (part title, typst fragment) in reading order
    publisher: str | None = None,
) -> str:
    edition = site_meta.get("edition")
    version = site_meta.get("version")
    stamp_parts = [title]
    if edition:
        stamp_parts.append(f"{edition} edition")
    if version and is_release_version(str(version)):
        stamp_parts.append(f"version {version}")
    language, _, region = lang.partition("-")

    def opt(v: object) -> str:
        return "none" if v in (None, "") else typst_string(str(v))

    head = [
        '#import "levelup.typ": *',
        "#show: book.with(",
        f"  title: {typst_string(title)},",
        f"  subtitle: {opt(subtitle)},",
        f"  authors: ({''.join(typst_string(a) + ', ' for a in authors)}),",
        f"  edition: {opt(edition)},",
        f"  version: {opt(version)},",
        f"  date: {opt(publication_date(date))},",
        f"  publisher: {opt(publisher)},",
        f"  stamp: {typst_string(' · '.join(stamp_parts))},",
        f"  lang: {typst_string(language.lower() or 'en')},",
        f"  region: {typst_string(region.upper() or 'GB')},",
        ")",
        "",
    ]
    body: list[str] = []
    current_part: str | None = None
    for part, fragment in chapters:
        body.append(CHAPTER_MARK)
        if part != current_part and part is not None:
            body.append(f"#part-page({typst_string(part)})\n")
        current_part = part
        # a chapter's floating figures are placed before the next chapter starts
        body.append(fragment.rstrip() + "\n\n#place.flush()\n")
    return "\n".join(head) + "\n".join(body)


def prepare_build_dir(build_dir: Path, main_text: str, images: Mapping[str, bytes]) -> Path:
    """Write the template, the images and the main file into ``build_dir``; the main file."""
    build_dir.mkdir(parents=True, exist_ok=True)
    # files are rewritten only when they change: a kept Typst compiler re-reads a rewritten file
    # and lays out again everything that depends on it (the template: the whole book)
    _write_if_changed(build_dir / "levelup.typ", TEMPLATE.read_text(encoding="utf-8"))
    # the charts' font (SVG text), matplotlib's own copy: the same on every machine
    font_dir = build_dir / "fonts"
    font_dir.mkdir(exist_ok=True)
    for font in chart_fonts():
        target = font_dir / font.name
        if not target.exists() or target.stat().st_size != font.stat().st_size:
            target.write_bytes(font.read_bytes())
    img_dir = build_dir / "images"
    img_dir.mkdir(exist_ok=True)
    for name, data in images.items():
        p = img_dir / name
        if not p.exists():
            p.write_bytes(data)
    # one file per chapter, included by the main file: Typst numbers syntax nodes per file, so
    # an edit in one chapter leaves the layout of the others memoised in a kept compiler
    head, *parts = main_text.split(CHAPTER_MARK + "\n")
    includes = []
    for i, part in enumerate(parts):
        name = f"chapter-{i:03d}.typ"
        _write_if_changed(build_dir / name, '#import "levelup.typ": *\n' + part)
        includes.append(f'#include "{name}"\n')
    for stale in build_dir.glob("chapter-*.typ"):
        if int(stale.stem.split("-")[1]) >= len(parts):
            stale.unlink()
    main = build_dir / "book.typ"
    _write_if_changed(main, head + "".join(includes))
    return main


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def chart_fonts() -> list[Path]:
    """DejaVu Sans as shipped with matplotlib: the charts are SVGs whose text is text in this
    font (``svg.fonttype="none"``), and Typst draws it with these files. Found without importing
    matplotlib (a prose rebuild never loads the analysis stack)."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RenderError("matplotlib is not installed: the charts' font (DejaVu Sans) is its copy")
    ttf = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    return [ttf / f"DejaVuSans{style}.ttf" for style in ("", "-Bold", "-Oblique", "-BoldOblique")]


def typst_compile(main: Path, root: Path, epoch: int | None) -> tuple[bytes, list[str]]:
    """Compile ``main`` with the typst package: only the fonts embedded in the compiler and the
    charts' font in ``root/fonts``, the document date from ``epoch`` (SOURCE_DATE_EPOCH) for
    byte-identical rebuilds."""
    import typst

    timestamp = _dt.datetime.fromtimestamp(epoch, _dt.UTC) if epoch is not None else None
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(main),
            root=str(root),
            font_paths=[str(root / "fonts")] if (root / "fonts").is_dir() else [],
            ignore_system_fonts=True,
            format="pdf",
            timestamp=timestamp,
        )
    except typst.TypstError as exc:  # pragma: no cover - depends on content
        detail = getattr(exc, "diagnostic", "") or str(exc)
        message = getattr(exc, "message", str(exc))
        raise RenderError(
            f"typst could not compile the PDF: {message}\n{detail}", file="<pdf>"
        ) from exc
    return pdf, sorted({f"typst: {getattr(w, 'message', str(w))}" for w in warnings})


def compile_pdf(
    build_dir: Path, main_text: str, images: Mapping[str, bytes], epoch: int | None
) -> tuple[bytes, list[str]]:
    """Compile in ``build_dir`` (template, main file and images are written there)."""
    main = prepare_build_dir(build_dir, main_text, images)
    return typst_compile(main, build_dir, epoch)
