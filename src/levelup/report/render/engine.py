"""``render_book``: the built-in engine (pandoc + Typst) for the Quarto book sources."""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as _dt
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import areas as AR
from . import ast as A
from . import html as H
from .bibliography import bib_keys
from .cache import Cache, sha256
from .citations import cite_book
from .config import BookConfig, load_book_config
from .errors import Problem, RenderError
from .pandoc import RUNNER, pandoc_version, run_jobs
from .pdf import TEMPLATE as TYPST_TEMPLATE
from .pdf import compile_pdf, compose_book
from .sources import (
    ExpandContext,
    ImageStore,
    NotebookCache,
    expand_chapter,
    front_matter,
    read_lines,
)
from .transform import BookContext, Chapter, number_book, prepare, resolve

ENGINE_VERSION = "1"
FORMATS = ("html", "pdf")


@dataclass
class ChapterResult:
    source: str
    page: str
    title: str
    number: str | None
    parsed: bool  # pandoc read the chapter this time (False: AST from the cache)
    rendered: list[str]  # formats pandoc wrote this time ("html", "typst"); empty: all cached
    seconds: float  # pandoc time spent on this chapter in this render


@dataclass
class RenderResult:
    engine: str
    site_dir: Path | None = None
    pdf_path: Path | None = None
    written: list[Path] = field(default_factory=list)
    chapters: list[ChapterResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    pdf_cached: bool = False

    @property
    def rendered_pages(self) -> list[str]:
        """Pages whose HTML pandoc re-rendered (the rest came from the cache)."""
        return [c.page for c in self.chapters if "html" in c.rendered]

    def summary(self) -> str:
        t = self.timings
        lines = [
            f"{self.engine}: {len(self.chapters)} chapters, {len(self.rendered_pages)} re-rendered, "
            f"total {t.get('total', 0):.2f}s"
        ]
        lines.append("  " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items() if k != "total"))
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise RenderError(
            f"SOURCE_DATE_EPOCH={value!r} is not an integer", file="<environment>"
        ) from exc


def _midnight_epoch(date: str) -> int | None:
    """Unix time of 00:00 UTC on an ISO ``date``: the PDF's creation date without
    SOURCE_DATE_EPOCH, so that rebuilds on the build date are byte-identical (None if not a date).
    """
    try:
        day = _dt.date.fromisoformat(str(date))
    except ValueError:
        return None
    return int(_dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC).timestamp())


def _typst_version() -> str:
    try:
        return metadata.version("typst")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


# ------------------------------------------------------------------------------ atomic directory swap

_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where the OS supports it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    r = fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), _RENAME_EXCHANGE)
    return r == 0


def swap_into_place(tmp: Path, final: Path) -> None:
    """Replace ``final`` (a directory) by ``tmp`` without ever exposing a half-written tree."""
    if final.exists() and _exchange(tmp, final):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)


def _write(path: Path, data: bytes | str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    written.append(path)


# ------------------------------------------------------------------------------ render


def _normalise_executed(project_dir: Path, executed: Mapping | None) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for src, dst in (executed or {}).items():
        p = Path(src)
        if p.is_absolute() and p.resolve().is_relative_to(project_dir.resolve()):
            p = p.resolve().relative_to(project_dir.resolve())
        out[p.as_posix()] = Path(dst)
    return out


def _part_titles(cfg: BookConfig) -> None:
    """``part: some.qmd`` names a file whose title is the part title."""
    for ch in cfg.chapters:
        if ch.part and ch.part.endswith((".qmd", ".md")):
            problems: list[Problem] = []
            lines = read_lines(cfg.project_dir, ch.part, problems)
            title = front_matter(lines).get("title")
            if not title:
                title = next(
                    (ln.text.lstrip("#").strip() for ln in lines if ln.text.startswith("# ")),
                    ch.part,
                )
            ch.part = str(title).split("{")[0].strip()


def render_book(
    project_dir: Path,
    profile: str,
    executed_notebooks: Mapping[Path, Path] | None,
    variables: Mapping | None,
    out_dir: Path,
    figure_data_dir: Path | None = None,
    site_meta: Mapping | None = None,
    formats: Iterable[str] = FORMATS,
    cache_dir: Path | None = None,
    workers: int | None = None,
    pdf_compiler: Callable[[Path, str, Mapping[str, bytes], int | None], tuple] | None = None,
    area_profiles_dir: Path | None = None,
) -> RenderResult:
    """Render the Quarto book in ``project_dir`` to ``out_dir/site/`` (HTML) and ``out_dir/<name>.pdf``.

    ``site_meta`` keys: ``edition``, ``version``, ``commit``, ``lockfile_sha256``,
    ``data_manifest_sha256``, ``build_date`` (default: from SOURCE_DATE_EPOCH), ``provenance_page``
    (the one page whose footer lists commit and checksums; others link to it) and ``editions``
    (list of edition names, or mappings with ``edition``/``label``/``href``) for the switcher;
    without an ``href`` an edition links to ``<editions_base_url>/<edition>/`` when
    ``editions_base_url`` is given, else to the sibling ``../<edition>/index.html``.
    ``pdf_compiler`` replaces :func:`compile_pdf` (same arguments) when the Typst build directory
    is kept in ``cache_dir``, e.g. a kept-alive :class:`~.typst_worker.TypstWorker`.
    ``area_profiles_dir`` (the profiles notebook's ``area-profiles/`` folder) adds a page per
    local authority and their index (:mod:`.areas`).
    Raises RenderError (with every located problem) before anything in ``out_dir`` is touched.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [t_start]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - mark[0]
        mark[0] = now

    project_dir = Path(project_dir).resolve()
    out_dir = Path(out_dir)
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise RenderError(f"unknown output formats {sorted(unknown)}", file="<render_book>")
    want_html, want_pdf = "html" in formats, "pdf" in formats
    cache = Cache(cache_dir)
    epoch = source_date_epoch()
    meta = dict(site_meta or {})
    if not meta.get("build_date"):
        when = (
            _dt.datetime.fromtimestamp(epoch, _dt.UTC)
            if epoch is not None
            else _dt.datetime.now(_dt.UTC)
        )
        meta["build_date"] = when.date().isoformat()
    pdf_epoch = epoch if epoch is not None else _midnight_epoch(meta["build_date"])
    result = RenderResult(engine="builtin")

    # ---- configuration and sources -----------------------------------------------------------
    cfg = load_book_config(project_dir, profile)
    result.warnings.extend(cfg.warnings)
    _part_titles(cfg)
    keys = bib_keys(cfg.bibliography, project_dir)
    bib_hash = sha256(*[p.read_bytes() for p in cfg.bibliography])
    csl_path = cfg.csl
    if csl_path is not None and not csl_path.exists():
        raise RenderError(Problem("_quarto.yml", 0, f"csl file {cfg.config.get('csl')} not found"))
    csl_hash = sha256(csl_path.read_bytes()) if csl_path else ""
    lap("config")

    images = ImageStore()
    ectx = ExpandContext(
        project_dir,
        cfg,
        variables,
        _normalise_executed(project_dir, executed_notebooks),
        images,
        NotebookCache(),
    )
    problems: list[Problem] = []
    expanded = {}
    for spec in cfg.chapters:
        exp = expand_chapter(ectx, spec.source)
        problems.extend(exp.problems)
        expanded[spec.source] = exp
    if problems:
        raise RenderError(problems)
    lap("expand")

    # ---- pandoc read (cached by content) --------------------------------------------------------
    pv = pandoc_version()
    runner_hash = sha256(RUNNER.read_bytes())
    asts: dict[str, str] = {}
    html_asts: dict[str, list] = {}
    jobs = []
    parse_keys = {}
    for spec in cfg.chapters:
        key = sha256("read-md", pv, ENGINE_VERSION, expanded[spec.source].markdown)
        parse_keys[spec.source] = key
        cached = cache.get_text("ast", key)
        if cached is None:
            jobs.append(
                {
                    "id": "md:" + spec.source,
                    "op": "read",
                    "format": "markdown",
                    "text": expanded[spec.source].markdown,
                }
            )
        else:
            asts[spec.source] = cached
    html_parts = {
        sha: text
        for exp in expanded.values()
        for e in exp.embeds.values()
        for sha, text in e.html_parts.items()
    }
    for sha, text in sorted(html_parts.items()):
        key = sha256("read-html", pv, ENGINE_VERSION, text)
        cached = cache.get_text("ast", key)
        if cached is None:
            jobs.append(
                {"id": "html:" + sha, "op": "read", "format": "html", "text": text, "key": key}
            )
        else:
            html_asts[sha] = json.loads(cached)["blocks"]
    chapter_seconds: dict[str, float] = {s.source: 0.0 for s in cfg.chapters}
    parsed: set[str] = set()
    lap("cache")
    for jid, res in run_jobs(jobs, workers).items():
        kind, _, name = jid.partition(":")
        if "error" in res:
            raise RenderError(
                f"pandoc could not read it: {res['error']}",
                file=name if kind == "md" else "<notebook html>",
            )
        if kind == "md":
            asts[name] = res["ast"]
            cache.put("ast", parse_keys[name], res["ast"])
            chapter_seconds[name] += res.get("seconds", 0.0)
            parsed.add(name)
        else:
            html_asts[name] = json.loads(res["ast"])["blocks"]
            cache.put("ast", sha256("read-html", pv, ENGINE_VERSION, html_parts[name]), res["ast"])
    lap("pandoc-read")

    # ---- book semantics -----------------------------------------------------------------------
    figure_data: dict[str, Path] = {}
    if figure_data_dir is not None and Path(figure_data_dir).is_dir():
        figure_data = {p.stem: p for p in sorted(Path(figure_data_dir).glob("*.csv"))}
    bctx = BookContext(cfg, images, html_asts, figure_data, keys)
    chapters = [
        Chapter(spec, expanded[spec.source], json.loads(asts[spec.source])) for spec in cfg.chapters
    ]
    for ch in chapters:
        prepare(bctx, ch)
    index = number_book(bctx, chapters)
    for ch in chapters:
        resolve(bctx, ch, index, chapters)
    if bctx.problems:
        raise RenderError(bctx.problems)
    result.warnings.extend(bctx.warnings)
    refs_chapter = next((c for c in chapters if c.has_refs), None)
    all_cited = sorted(set().union(*(c.cited for c in chapters)))
    if all_cited and refs_chapter is None:
        result.warnings.append(
            "no references page (a '::: {#refs}' div); each chapter lists its own references"
        )
    # where every id lives, for links across pages; ids on several pages are renamed in Typst
    id_pages: dict[str, str] = {}
    id_count: dict[str, int] = {}
    for ch in chapters:
        for ident in sorted(ch.ids):
            id_pages.setdefault(ident, ch.spec.page)
            id_count[ident] = id_count.get(ident, 0) + 1
    page_extra_ids: dict[str, set[str]] = {c.spec.page: set() for c in chapters}
    if refs_chapter is not None:
        for k in all_cited:
            id_pages["ref-" + k] = refs_chapter.spec.page
            page_extra_ids[refs_chapter.spec.page].add("ref-" + k)
    dup_ids = {i for i, n in id_count.items() if n > 1}
    lap("transform")

    # ---- citations: one citeproc run for the book (see citations.py) ------------------------------
    citeproc_opts = None
    if keys is not None:
        citeproc_opts = {
            "bibliography": [str(p) for p in cfg.bibliography],
            "csl": str(csl_path) if csl_path else "",
            "lang": cfg.lang,
        }
    book_cites = citeproc_opts is not None and refs_chapter is not None
    if book_cites:
        run = cite_book(
            chapters,
            refs_chapter,
            citeproc_opts,
            cache,
            (pv, ENGINE_VERSION, runner_hash, bib_hash, csl_hash, cfg.lang),
            lambda jobs: run_jobs(jobs, 1, cwd=project_dir),
        )
        chapter_seconds[refs_chapter.source] += run.seconds
        lap("citeproc")

    # ---- pandoc write (cached by the final AST) ---------------------------------------------------
    want_fmts = (["html"] if want_html else []) + (["typst"] if want_pdf else [])
    write_jobs = []
    frag_keys: dict[str, str] = {}
    fragments: dict[tuple[str, str], str] = {}
    for ch in chapters:
        # no references page: each chapter with citations runs citeproc and lists its references
        citeproc = citeproc_opts if not book_cites and ch.cited else None
        renames = {i: f"{ch.spec.key}--{i}" for i in sorted(ch.ids & dup_ids)}
        ast_json = json.dumps(ch.ast, ensure_ascii=False, separators=(",", ":"))
        ck = {**citeproc, "bibliography": bib_hash, "csl": csl_hash} if citeproc else None
        key = sha256(
            "write",
            pv,
            ENGINE_VERSION,
            runner_hash,
            ast_json,
            json.dumps(ck, sort_keys=True),
            json.dumps(renames, sort_keys=True),
        )
        frag_keys[ch.source] = key
        need = []
        for fmt in want_fmts:
            cached = cache.get_text("frag-" + fmt, key)
            if cached is None:
                need.append(fmt)
            else:
                fragments[(ch.source, fmt)] = cached
        if need:
            job = {
                "id": ch.source,
                "op": "write",
                "ast": ast_json,
                "formats": need,
                "renames": renames,
            }
            if citeproc:
                job["citeproc"] = citeproc  # JSON null would be a truthy userdata in Lua
            write_jobs.append(job)
    rendered: dict[str, list[str]] = {c.source: [] for c in chapters}
    lap("cache")
    for jid, res in run_jobs(write_jobs, workers, cwd=project_dir).items():
        if "error" in res:
            raise RenderError(f"pandoc could not write it: {res['error']}", file=jid)
        chapter_seconds[jid] += res.get("seconds", 0.0)
        for fmt in want_fmts:
            if fmt in res:
                fragments[(jid, fmt)] = res[fmt]
                cache.put("frag-" + fmt, frag_keys[jid], res[fmt])
                rendered[jid].append(fmt)
    lap("pandoc-write")

    # ---- PDF in a background thread (typst releases the GIL) --------------------------------------
    pdf_name = cfg.output_file + ".pdf"
    pdf_box: dict[str, object] = {}
    pdf_thread = None
    if want_pdf:
        main_text = compose_book(
            title=cfg.title,
            subtitle=cfg.subtitle,
            authors=cfg.authors,
            lang=cfg.lang,
            site_meta=meta,
            date=(meta["build_date"] if cfg.date in (None, "today", "last-modified") else cfg.date),
            chapters=[(c.spec.part, fragments[(c.source, "typst")]) for c in chapters],
            publisher=cfg.publisher,
        )
        pdf_key = sha256(
            "pdf",
            ENGINE_VERSION,
            _typst_version(),
            TYPST_TEMPLATE.read_bytes(),
            main_text,
            str(pdf_epoch),
            *sorted(images.images),
        )
        cached_pdf = cache.get("pdf", pdf_key)
        if cached_pdf is not None:
            pdf_box["pdf"] = cached_pdf
            result.pdf_cached = True
        else:
            build_dir = (Path(cache_dir) / "typst-build") if cache_dir is not None else None

            def _compile() -> None:
                t0 = time.perf_counter()
                try:
                    if build_dir is not None:
                        pdf_box["pdf"], pdf_box["warnings"] = (pdf_compiler or compile_pdf)(
                            build_dir, main_text, images.images, pdf_epoch
                        )
                    else:
                        import tempfile

                        with tempfile.TemporaryDirectory(prefix="levelup-typst-") as tmp:
                            pdf_box["pdf"], pdf_box["warnings"] = compile_pdf(
                                Path(tmp), main_text, images.images, pdf_epoch
                            )
                    cache.put("pdf", pdf_key, pdf_box["pdf"])  # type: ignore[arg-type]
                except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                    pdf_box["error"] = exc
                pdf_box["seconds"] = time.perf_counter() - t0

            pdf_thread = threading.Thread(target=_compile, name="levelup-typst")
            pdf_thread.start()

    # ---- HTML site into a temporary sibling directory ----------------------------------------------
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp_site = out_dir / f".site.tmp-{os.getpid()}-{threading.get_ident()}"
    site_dir = out_dir / "site"
    written: list[Path] = []
    try:
        if want_html:
            if tmp_site.exists():
                shutil.rmtree(tmp_site)
            timings["areas"] = _write_site(
                tmp_site,
                cfg,
                chapters,
                fragments,
                id_pages,
                page_extra_ids,
                meta,
                images,
                figure_data,
                bctx.table_data,
                index,
                pdf_name if want_pdf else None,
                result,
                written,
                area_profiles_dir,
            )
        lap("html")
        if pdf_thread is not None:
            pdf_thread.join()
            timings["pdf"] = float(pdf_box.get("seconds", 0.0))  # type: ignore[arg-type]
            if "error" in pdf_box:
                raise pdf_box["error"]  # type: ignore[misc]
            result.warnings.extend(pdf_box.get("warnings") or [])  # type: ignore[arg-type]
        if want_pdf:
            pdf_bytes = pdf_box["pdf"]
            assert isinstance(pdf_bytes, bytes)
            if want_html:
                _write(tmp_site / pdf_name, pdf_bytes, written)
            pdf_path = out_dir / pdf_name
            tmp_pdf = out_dir / f".{pdf_name}.tmp-{os.getpid()}"
            tmp_pdf.write_bytes(pdf_bytes)
            os.replace(tmp_pdf, pdf_path)
            written.append(pdf_path)
            result.pdf_path = pdf_path
        if want_html:
            swap_into_place(tmp_site, site_dir)
            written[:] = [
                site_dir / p.relative_to(tmp_site) if p.is_relative_to(tmp_site) else p
                for p in written
            ]
            result.site_dir = site_dir
    finally:
        if pdf_thread is not None and pdf_thread.is_alive():
            pdf_thread.join()
        if tmp_site.exists():
            shutil.rmtree(tmp_site, ignore_errors=True)
    mark[0] = time.perf_counter()

    result.written = written
    result.chapters = [
        ChapterResult(
            c.source,
            c.spec.page,
            c.title,
            c.number,
            c.source in parsed,
            rendered[c.source],
            round(chapter_seconds[c.source], 4),
        )
        for c in chapters
    ]
    timings["total"] = time.perf_counter() - t_start
    result.timings = {k: round(v, 4) for k, v in timings.items()}
    return result


def _write_site(
    site: Path,
    cfg: BookConfig,
    chapters: list[Chapter],
    fragments: dict[tuple[str, str], str],
    id_pages: dict[str, str],
    page_extra_ids: dict[str, set[str]],
    meta: Mapping,
    images: ImageStore,
    figure_data: dict[str, Path],
    table_data: dict[str, str],
    index: dict,
    pdf_name: str | None,
    result: RenderResult,
    written: list[Path],
    area_profiles_dir: Path | None = None,
) -> float:
    """Write the HTML site; returns the seconds spent on the area pages (part of "html")."""
    nav_entries = [
        H.NavEntry(c.spec.page, c.title, c.number, c.spec.part, c.source) for c in chapters
    ]
    area_book = None
    area_seconds = 0.0
    nav_with_areas = nav_entries
    if area_profiles_dir is not None and (Path(area_profiles_dir) / "profiles.csv").is_file():
        t_load = time.perf_counter()
        area_book = AR.load_profiles(Path(area_profiles_dir))
        nav_with_areas = AR.nav_with_index(nav_entries)
        area_seconds = time.perf_counter() - t_load
    edition = str(meta.get("edition") or "")
    generator = f"levelup built-in renderer ({pandoc_version()}, typst {_typst_version()})"
    search: list[dict] = []
    for i, ch in enumerate(chapters):
        page = ch.spec.page
        fragment, missing = H.postprocess_fragment(
            fragments[(ch.source, "html")], page, ch.ids | page_extra_ids[page], id_pages
        )
        for ident in sorted(set(missing)):
            file, line = ch.where("#" + ident)
            result.warnings.append(f"{file}:{line}: link to #{ident}: no such anchor in the book")
        search_fragment = fragment
        fragment = H.inline_svg_images(H.layout_tables(fragment), images.images)
        label = A.chapter_label(ch.number, ch.title)
        if ch.title == cfg.title:
            page_title = f"{cfg.title}{f' ({edition} edition)' if edition else ''}"
        else:
            page_title = f"{label} – {cfg.title}"
        html_doc = H.page_html(
            lang=cfg.lang,
            page=page,
            page_title=page_title,
            book_title=cfg.title,
            content=fragment,
            nav=H.nav_html(nav_with_areas, page),
            pager=H.pager_html(nav_entries, i),
            toc=H.toc_html(H.toc_entries(ch.ast["blocks"], 3)),
            **H.site_parts(cfg.title, meta, pdf_name, page),
            edition_label=f"{edition} edition" if edition else "",
            generator=generator,
        )
        _write(site / page, html_doc, written)
        search.extend(H.search_entries(page, label, search_fragment))
    if area_book is not None:
        t_areas = time.perf_counter()
        pdf_href = None
        for page, title, content, entry in AR.site_pages(area_book):
            root = H.root_prefix(page)
            html_doc = H.page_html(
                lang=cfg.lang,
                page=page,
                page_title=f"{title} – {cfg.title}",
                book_title=cfg.title,
                content=content,
                nav=H.nav_html(nav_with_areas, page),
                pager="",
                toc="",
                editions=H.editions_html(meta, page),
                colophon=H.colophon_html(
                    cfg.title, meta, (root + pdf_name) if pdf_name else pdf_href, page
                ),
                edition_label=f"{edition} edition" if edition else "",
                generator=generator,
            )
            _write(site / page, html_doc, written)
            search.append(entry)
        for name, data in AR.downloads(area_book).items():
            _write(site / name, data, written)
        area_seconds += time.perf_counter() - t_areas
    for name, text in H.search_index_files(search).items():
        _write(site / name, text, written)
    for asset in H.ASSETS:
        _write(site / "assets" / asset, (H.TEMPLATES / asset).read_bytes(), written)
    for name in sorted(images.images):
        _write(site / "images" / name, images.images[name], written)
    for label in sorted(figure_data):
        if label in index:
            _write(site / "data" / f"{label}.csv", figure_data[label].read_bytes(), written)
    for label, text in sorted(table_data.items()):
        _write(site / "data" / f"{label}.csv", text, written)
    return area_seconds
