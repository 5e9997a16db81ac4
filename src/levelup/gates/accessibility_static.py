"""Static accessibility gate (fast, no browser).

On every ``.html`` page of the site:

* every ``<img>`` has a non-empty ``alt`` text (an image explicitly marked decorative with
  ``role="presentation"``/``role="none"`` or ``aria-hidden="true"`` may use ``alt=""``);
* ``<html lang="...">`` is set;
* exactly one ``<h1>`` (redirect stubs with ``<meta http-equiv=refresh>`` are exempt);
* ``<title>`` is present, non-empty and unique across the site;
* every ``<table>`` has a non-empty ``<caption>``, an ``aria-label`` or an
  ``aria-labelledby`` naming an element on the page (layout tables marked
  ``role="presentation"``/``"none"`` are exempt).

Failures read ``page:line: message``. The browser gate runs axe-core for the rest.
"""

from __future__ import annotations

from pathlib import Path

from levelup.gates._html import Page, scan_site
from levelup.gates.result import GateResult

GATE = "a11y"
_DECORATIVE_ROLES = {"presentation", "none"}


def _is_decorative(attrs: dict[str, str]) -> bool:
    return (
        attrs.get("role", "").strip().lower() in _DECORATIVE_ROLES
        or attrs.get("aria-hidden", "").strip().lower() == "true"
    )


def check_page(page: Page) -> list[str]:
    """Static accessibility problems of one page, as ``page:line: message`` lines."""
    problems: list[str] = []
    rel = page.rel

    for el in page.elements:
        if el.tag != "img":
            continue
        alt = el.attrs.get("alt")
        src = el.attrs.get("src", "")
        if alt is None:
            problems.append(f"{rel}:{el.line}: <img src='{src}'> has no alt attribute")
        elif not alt.strip() and not _is_decorative(el.attrs):
            problems.append(
                f"{rel}:{el.line}: <img src='{src}'> has an empty alt text "
                '(describe the image, or mark it decorative with role="presentation")'
            )

    if not (page.html_lang or "").strip():
        line = page.html_line or 1
        problems.append(f'{rel}:{line}: <html> has no lang attribute (e.g. lang="en-GB")')

    if not page.is_redirect:
        if not page.h1_lines:
            problems.append(f"{rel}:1: page has no <h1>")
        elif len(page.h1_lines) > 1:
            lines = ", ".join(str(n) for n in page.h1_lines)
            problems.append(
                f"{rel}:{page.h1_lines[1]}: page has {len(page.h1_lines)} <h1> elements "
                f"(lines {lines}); use exactly one"
            )

    if page.title is None:
        problems.append(f"{rel}:1: page has no <title>")
    elif not page.title:
        problems.append(f"{rel}:{page.title_line}: <title> is empty")

    for table in page.tables:
        attrs = table.attrs
        if attrs.get("role", "").strip().lower() in _DECORATIVE_ROLES:
            continue
        if table.caption:
            continue
        if attrs.get("aria-label", "").strip():
            continue
        labelledby = attrs.get("aria-labelledby", "").split()
        if labelledby and all(i in page.ids for i in labelledby):
            continue
        problems.append(
            f"{rel}:{table.line}: <table> has no caption or aria-label "
            "(add a <caption> describing the table)"
        )
    return problems


def check_accessibility_static(site_dir: Path | str) -> GateResult:
    """Run the static accessibility gate on a built site directory."""
    site_dir = Path(site_dir)
    result = GateResult(GATE)
    if not site_dir.is_dir():
        result.fail(f"{site_dir}: site directory does not exist (build the site first)")
        return result
    pages = scan_site(site_dir)
    if not pages:
        result.fail(f"{site_dir}: no .html pages found")
        return result

    titles: dict[str, list[Page]] = {}
    for page in pages:
        for problem in check_page(page):
            result.fail(problem)
        if page.title and not page.is_redirect:
            titles.setdefault(page.title, []).append(page)
    for title, same in sorted(titles.items()):
        if len(same) > 1:
            first, others = same[0], ", ".join(p.rel for p in same[1:])
            result.fail(
                f"{first.rel}:{first.title_line}: <title> '{title}' is not unique "
                f"(also on {others})"
            )

    images = sum(1 for p in pages for e in p.elements if e.tag == "img")
    tables = sum(len(p.tables) for p in pages)
    result.note(f"{len(pages)} page(s), {images} image(s), {tables} table(s) checked")
    return result
