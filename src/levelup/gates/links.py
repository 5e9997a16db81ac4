"""Links gate: every internal link, anchor and resource of the static site resolves.

Crawls every ``.html`` page under the site directory and checks each internal reference —
``href``/``src``/``srcset``/``poster``/``data`` attributes, ``<meta http-equiv=refresh>``
targets, ``url(...)``/``@import`` in ``<style>`` blocks, ``style=""`` attributes and the
site's CSS files — relative or root-relative:

* the target file exists inside the site (a directory needs an ``index.html``);
* a ``#fragment`` on an HTML target names an element ``id`` (or ``<a name>``) on that page;
* no *resource* (image, script, stylesheet, frame, font, preload...) is loaded from another
  host: the preview must be self-contained.

External links (``http``, ``https``, ``mailto``...) are listed in the notes, never fetched.
Editions are published side by side in one site tree (``_output/site/<edition>/`` with the page
of every edition at its root, :mod:`levelup.report.site_tree`): checked with ``tree``, an
edition's links may leave its own folder (the edition switcher's ``../2025/index.html``, the
editions page ``../index.html``) but must land on a file of the tree, and the tree's own pages
are checked too. Each failure reads ``page:line: broken link 'x' (reason)``, the page relative
to the tree (or to the site when there is no tree).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from levelup.gates._html import Page, html_files, scan_html
from levelup.gates.result import GateResult

GATE = "links"

# (tag, attribute) pairs holding one URL; "srcset" attributes hold several.
_URL_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "object": ("data",),
    "input": ("src",),
    "use": ("href", "xlink:href"),
    "image": ("href", "xlink:href"),
}
# <link rel=...> values that make the browser fetch the target.
_FETCHING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "manifest",
    "mask-icon",
}
_EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel", "ftp", "sms", "news", "irc", "geo"}
_IGNORED_SCHEMES = {"data", "javascript", "blob", "about"}
_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]*?)(?P=q)\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?P<q>['"])(?P<url>[^'"]+)(?P=q)""", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?(?P<url>[^'\"]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    """One URL found in a page or stylesheet."""

    source: str  # file relative to the site root
    line: int
    url: str
    tag: str  # element name, "css" for stylesheets, "meta" for refresh
    is_resource: bool  # fetched by the browser when the page loads (not a navigation link)


def _srcset_urls(value: str) -> list[str]:
    urls = []
    for candidate in value.split(","):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0])
    return urls


def _line_of(text: str, offset: int, first_line: int = 1) -> int:
    return first_line + text.count("\n", 0, offset)


def css_references(css: str, source: str, first_line: int = 1) -> list[Reference]:
    refs = []
    for rx in (_CSS_URL, _CSS_IMPORT):
        for m in rx.finditer(css):
            url = m.group("url").strip()
            if url:
                refs.append(
                    Reference(source, _line_of(css, m.start(), first_line), url, "css", True)
                )
    return refs


def page_references(page: Page) -> list[Reference]:
    """Every URL referenced by a scanned page, in document order."""
    refs: list[Reference] = []
    for el in page.elements:
        for attr in _URL_ATTRS.get(el.tag, ()):
            value = el.attrs.get(attr)
            if value is None:
                continue
            if el.tag == "link":
                rels = set(el.attrs.get("rel", "").lower().split())
                resource = bool(rels & _FETCHING_RELS)
            else:
                resource = el.tag not in ("a", "area")
            urls = _srcset_urls(value) if attr == "srcset" else [value.strip()]
            refs.extend(Reference(page.rel, el.line, u, el.tag, resource) for u in urls)
        if "style" in el.attrs:
            refs.extend(css_references(el.attrs["style"], page.rel, el.line))
    if page.refresh is not None:
        m = _REFRESH_URL.search(page.refresh)
        if m:
            line = next((e.line for e in page.elements if e.tag == "meta"), 1)
            refs.append(Reference(page.rel, line, m.group("url").strip(), "meta", False))
    for line, css in page.styles:
        refs.extend(css_references(css, page.rel, line))
    return refs


@dataclass
class _Resolved:
    kind: str  # "internal", "external", "ignored"
    target: Path | None = None
    fragment: str = ""
    error: str | None = None


class _Site:
    """Resolves references against the site root (the tree, when checking in one), caching the
    ids of target pages."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._pages: dict[Path, Page] = {}

    def page(self, path: Path) -> Page:
        path = path.resolve()
        if path not in self._pages:
            root = self.root if path.is_relative_to(self.root) else path.parent
            self._pages[path] = scan_html(path, root)
        return self._pages[path]

    def resolve(self, url: str, source: str) -> _Resolved:
        if not url:
            return _Resolved("internal", self.root / source)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in _IGNORED_SCHEMES:
            return _Resolved("ignored")
        if scheme or url.startswith("//"):
            return _Resolved("external")
        fragment = unquote(parts.fragment)
        raw_path = unquote(parts.path)
        if raw_path == "":
            return _Resolved("internal", self.root / source, fragment)
        if raw_path.startswith("/"):
            joined = raw_path.lstrip("/")
        else:
            joined = posixpath.join(posixpath.dirname(source), raw_path)
        normal = posixpath.normpath(joined) if joined else "."
        if normal == ".." or normal.startswith("../"):
            return _Resolved("internal", None, fragment, "points outside the site")
        return self._inside(self.root, normal, raw_path, fragment)

    @staticmethod
    def _inside(root: Path, normal: str, raw_path: str, fragment: str) -> _Resolved:
        target = root / normal if normal != "." else root
        if raw_path.endswith("/") or target.is_dir():
            if not target.is_dir():
                return _Resolved("internal", None, fragment, "no such directory")
            target = target / "index.html"
            if not target.is_file():
                return _Resolved("internal", None, fragment, "directory has no index.html")
        if not target.is_file():
            return _Resolved("internal", None, fragment, "no such file")
        return _Resolved("internal", target, fragment)

    def has_anchor(self, target: Path, fragment: str) -> bool:
        if target.suffix.lower() not in (".html", ".htm"):
            return True  # e.g. report.pdf#page=3: not checkable, not our business
        if fragment.lower() == "top":
            return True  # HTML spec: "#top" scrolls to the top without an element
        return fragment in self.page(target).ids


def check_links(site_dir: Path | str, tree: Path | str | None = None) -> GateResult:
    """Run the links gate on a built site directory; with ``tree`` (the site tree holding it,
    ``_output/site/``), links from the site to the rest of the tree (other editions, the editions
    page) are checked against the tree, and the tree's own top-level pages are checked too."""
    site_dir = Path(site_dir)
    result = GateResult(GATE)
    if not site_dir.is_dir():
        result.fail(f"{site_dir}: site directory does not exist (build the site first)")
        return result
    root = Path(tree) if tree is not None else site_dir
    if not site_dir.resolve().is_relative_to(root.resolve()):
        result.fail(f"{site_dir}: not inside the site tree {root}")
        return result
    site = _Site(root)
    files = html_files(site_dir)
    if tree is not None:
        files += sorted(p for p in root.glob("*.htm*") if p.is_file() and p not in files)
    pages = [site.page(p) for p in files]
    if not pages:
        result.fail(f"{site_dir}: no .html pages found")
        return result

    refs: list[Reference] = []
    for page in pages:
        refs.extend(page_references(page))
        if any(e.tag == "base" and e.attrs.get("href") for e in page.elements):
            result.note(f"{page.rel}: <base href> present; links were resolved without it")
    # stylesheets shipped with the site (url() of fonts, images, @import)
    for css in sorted(site_dir.resolve().rglob("*.css")):
        rel = css.relative_to(site.root).as_posix()
        if any(part.startswith(".") for part in css.relative_to(site_dir.resolve()).parts[:-1]):
            continue
        refs.extend(css_references(css.read_text(encoding="utf-8", errors="replace"), rel))

    external: dict[str, list[str]] = {}
    root_relative = 0
    checked = 0
    for ref in refs:
        res = site.resolve(ref.url, ref.source)
        where = f"{ref.source}:{ref.line}"
        if res.kind == "ignored":
            continue
        if res.kind == "external":
            if ref.is_resource:
                result.fail(
                    f"{where}: broken link '{ref.url}' (external {ref.tag} resource: the site "
                    "must be self-contained, ship a local copy)"
                )
            else:
                external.setdefault(ref.url, []).append(where)
            continue
        checked += 1
        if ref.url.startswith("/"):
            root_relative += 1
        if res.error:
            result.fail(f"{where}: broken link '{ref.url}' ({res.error})")
            continue
        assert res.target is not None
        if res.fragment and not site.has_anchor(res.target, res.fragment):
            target = res.target.resolve()
            target_rel = (
                target.relative_to(site.root).as_posix()
                if target.is_relative_to(site.root)
                else str(target)
            )
            result.fail(
                f"{where}: broken link '{ref.url}' (no element with id '{res.fragment}' "
                f"in {target_rel})"
            )

    result.note(f"{len(pages)} page(s), {checked} internal reference(s) checked")
    if root_relative:
        result.note(
            f"{root_relative} root-relative link(s) ('/...'): they break when the site is "
            "hosted under a sub-path (e.g. a GitHub Pages project site); prefer relative links"
        )
    if external:
        result.note(f"{len(external)} external link(s), listed but not fetched:")
        for url, wheres in sorted(external.items()):
            more = f" (+{len(wheres) - 1} more)" if len(wheres) > 1 else ""
            result.note(f"  {url} — {wheres[0]}{more}")
    result.details["external_links"] = external
    result.details["pages"] = [p.rel for p in pages]
    return result
