"""The site tree: every built edition's site under one root, as a static host publishes it.

::

    _output/site/
      index.html     the editions page: the latest edition first, then every other built edition
      2025/          the 2025 site (hard links to _output/2025/site/)
      2026/          the 2026 site (hard links to _output/2026/site/)

Each edition is still built into ``_output/<edition>/`` (site, PDF, findings, checksums); after
every build the tree is assembled again from the editions built there, so it is what the CI
preview uploads and what ``publish.yml`` deploys. An edition's switcher lists the editions that
are in the tree when it is built, a published edition whose site is not built here as text (never
a link to nothing), and links to the editions page, which always lists every edition of the tree:
an older edition, published before a newer one existed, reaches the newer one through it.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from levelup.paths import SITE_TREE
from levelup.report.publish import PUBLISHED, discard, swap_into_place, tmp_sibling

EDITIONS_PAGE = "index.html"  # the tree's root page
RECORDS = "editions"  # published editions' records in the repository: editions/<year>/PUBLISHED


def tree_root(output_root: Path) -> Path:
    """Where the site tree of an output root lives (``_output/site/``)."""
    return output_root / SITE_TREE


def built_site(output_root: Path, edition: str) -> Path | None:
    """The edition's built site (``_output/<edition>/site/``), or None when it is not built."""
    site = output_root / edition / "site"
    return site if (site / "index.html").is_file() else None


def is_published(project_root: Path, output_root: Path, edition: str) -> bool:
    """The edition is published: its record (``editions/<year>/PUBLISHED``) or its output's
    ``PUBLISHED`` marker exists."""
    return (project_root / RECORDS / edition / PUBLISHED).is_file() or (
        output_root / edition / PUBLISHED
    ).is_file()


def switcher_editions(
    editions: Iterable[str], current: str, project_root: Path, output_root: Path
) -> list[dict]:
    """The edition switcher's entries for ``current``, newest first: the current edition, every
    other edition with a built site (``href`` relative to the edition's root, in the tree), and
    every published edition without one (``built: False``, shown as text)."""
    entries = []
    for edition in sorted(set(editions) | {current}, reverse=True):
        if edition == current or built_site(output_root, edition) is not None:
            entries.append({"edition": edition, "href": f"../{edition}/index.html"})
        elif is_published(project_root, output_root, edition):
            entries.append({"edition": edition, "built": False})
    return entries


def _tree_files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (relative path -> device and inode)."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            stat = path.stat()
            out[path.relative_to(root).as_posix()] = (stat.st_dev, stat.st_ino)
    return out


def _link_tree(source: Path, target: Path) -> None:
    """``target`` holds the files of ``source`` as hard links (copies where links fail)."""
    for dirpath, _dirs, files in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(Path(dirpath) / name, folder / name)
            except OSError:
                shutil.copy2(Path(dirpath) / name, folder / name)


def editions_page(sites: Mapping[str, str], title: str) -> str:
    """The tree's root page: the latest edition first, then every other one, newest first.
    ``sites`` maps each edition in the tree to its title."""
    ordered = sorted(sites, reverse=True)
    latest = ordered[0]
    esc = html.escape
    others = "\n".join(
        f'<li><a href="{esc(e)}/index.html">{esc(sites[e])}</a></li>' for e in ordered[1:]
    )
    earlier = (
        f"<h2>Earlier editions</h2>\n<ul>\n{others}\n</ul>\n"
        if others
        else "<p>This is the first edition.</p>\n"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}: every edition</title>\n"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5;color:#0b0c0c}a{color:#1d4f91}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>{esc(title)}</h1>\n"
        f'<p>Latest edition: <a href="{esc(latest)}/index.html">{esc(sites[latest])}</a></p>\n'
        f"{earlier}</main>\n</body>\n</html>\n"
    )


def assemble_site_tree(output_root: Path, titles: Mapping[str, str], title: str) -> Path | None:
    """(Re)assemble ``_output/site/`` from every edition of ``titles`` (edition -> its title)
    built in ``output_root``; returns the tree, or None when no edition is built.

    Nothing is written when the tree already holds exactly those sites (the same files, linked)
    and the same editions page; otherwise the tree is assembled beside it and swapped in."""
    sites = {e: built_site(output_root, e) for e in titles}
    sites = {e: s for e, s in sites.items() if s is not None}
    tree = tree_root(output_root)
    if not sites:
        discard(tree)
        return None
    page = editions_page({e: titles[e] for e in sites}, title)
    current = (
        tree.is_dir()
        and sorted(p.name for p in tree.iterdir() if p.is_dir()) == sorted(sites)
        and (tree / EDITIONS_PAGE).is_file()
        and (tree / EDITIONS_PAGE).read_text(encoding="utf-8") == page
        and all(_tree_files(tree / e) == _tree_files(s) for e, s in sites.items())
    )
    if current:
        return tree
    tmp = tmp_sibling(tree)
    try:
        for edition, site in sites.items():
            _link_tree(site, tmp / edition)
        (tmp / EDITIONS_PAGE).write_text(page, encoding="utf-8")
        swap_into_place(tmp, tree)
    finally:
        discard(tmp)
    return tree
