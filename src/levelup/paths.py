"""Well-known locations. The project root is found from the package, so commands work from any cwd."""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("LEVELUP_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


PROJECT_ROOT = _find_root()

#: The site page where pins (files, sha256, commits) belong: the data-sources appendix.
PROVENANCE_PAGE = "chapters/data-sources.html"

#: The site tree of every built edition, under the output root: ``_output/site/<edition>/``
#: (``levelup.report.site_tree``), which the links gate checks and CI publishes.
SITE_TREE = "site"


def default_cache_dir() -> Path:
    """Where downloaded data and build caches live (``LEVELUP_CACHE`` overrides)."""
    env = os.environ.get("LEVELUP_CACHE")
    return Path(env).resolve() if env else PROJECT_ROOT / ".levelup-cache"


def default_mirror(project_root: Path | None = None) -> Path | None:
    """The local read-only data mirror, resolved as the Makefile does.

    ``LEVELUP_DATA_MIRROR`` when set, else ``../shared/data`` beside the project when that folder
    exists, else None (pinned files are downloaded from their upstream URLs). Set empty, as the
    Makefile exports it where no mirror exists, ``LEVELUP_DATA_MIRROR`` means "download".
    """
    env = os.environ.get("LEVELUP_DATA_MIRROR")
    if env is not None:
        return Path(env).resolve() if env else None
    beside = (project_root or PROJECT_ROOT).parent / "shared" / "data"
    return beside.resolve() if beside.is_dir() else None
