"""Helpers of the build pipeline tests: the fixture project, build options, a doctored mirror."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from levelup.paths import PROJECT_ROOT

PIPELINE = Path(__file__).parent / "fixtures" / "pipeline"
MIRROR = Path(
    os.environ.get("LEVELUP_DATA_MIRROR") or PROJECT_ROOT.parent / "shared" / "data"
).resolve()
DATA_CONFIG = ("sources.toml", "editions.toml", "datasets.yaml", "metrics.yaml")
EPOCH = "1767225600"  # 2026-01-01
KS2 = "curated/ks2_attainment_england.csv"  # read by m05-education (through DataLoader)
COMMUNITY = "curated/community_life_local_area.csv"  # read by social (through DataStore.path)


def make_project(dst: Path) -> Path:
    """The fixture project with the real data configuration, at ``dst``."""
    shutil.copytree(PIPELINE, dst)
    data = dst / "data"
    data.mkdir()
    for name in DATA_CONFIG:
        shutil.copy2(PROJECT_ROOT / "data" / name, data / name)
    for sub in ("crosswalks", "geography", "changes"):
        if (PROJECT_ROOT / "data" / sub).is_dir():
            shutil.copytree(PROJECT_ROOT / "data" / sub, data / sub)
    return dst


def copy_project(src: Path, dst: Path) -> Path:
    """A copy of a project (sources and ``_output``; not its cache)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".levelup-cache"), symlinks=True)
    return dst


def options(project: Path, cache: Path, **kw):
    from levelup.report.build import BuildOptions

    defaults = {
        "project_dir": project,
        "edition": "2025",
        "engine": "builtin",
        "cache_dir": cache,
        "mirror": MIRROR,
        "keep_kernels": 0.0,
        "jobs": 2,
    }
    defaults.update(kw)
    return BuildOptions(**defaults)


def run_build(project: Path, cache: Path, **kw):
    from levelup.report.build import build

    return build(options(project, cache, **kw))


def statuses(result, edition: str | None = None) -> dict[str, str]:
    return {
        Path(r.job.rel).stem: r.status
        for r in result.notebooks
        if edition is None or r.job.edition == edition
    }


def doctored_mirror(dst: Path, project: Path, pin_path: str, edit) -> Path:
    """A mirror of symlinks to the real one, except ``pin_path`` (rewritten by ``edit(text)``);
    the project's ``data/sources.toml`` is updated to pin the new bytes."""
    from levelup.data.sources import Manifest

    manifest = Manifest.load(project / "data" / "sources.toml")
    for pin in manifest:
        target = dst / pin.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if pin.path != pin_path:
            target.symlink_to(MIRROR / pin.path)
    original = manifest.get(pin_path)
    data = edit((MIRROR / pin_path).read_text(encoding="utf-8")).encode("utf-8")
    (dst / pin_path).write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    sources = project / "data" / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    block = re.search(
        r'path = "' + re.escape(pin_path) + r'".*?(?=\n\[\[file\]\]|\Z)', text, re.S
    ).group(0)
    new_block = block.replace(original.sha256, sha).replace(
        f"bytes = {original.bytes}", f"bytes = {len(data)}"
    )
    assert new_block != block
    sources.write_text(text.replace(block, new_block), encoding="utf-8")
    return dst


def tree_bytes(root: Path, pattern: str = "**/*") -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).glob(pattern))
        if p.is_file()
    }
