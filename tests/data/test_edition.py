"""`levelup edition new`: the 2026 pins rebuilt from the 2025 ones, and broken vintages refused."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from levelup.data.edition import EditionError, new_edition
from levelup.data.validate import DataValidationError
from levelup.metrics.registry import Registry
from levelup.paths import PROJECT_ROOT

VINTAGE = "2026-06-26"


def project_before_2026(tmp_path: Path) -> Path:
    """A copy of the project's data/ as it was before the 2026 edition: no 2026 pins, no 2026 edition."""
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "data", project / "data", ignore=shutil.ignore_patterns("changes")
    )
    with open(project / "data" / "sources.toml", "rb") as handle:
        document = tomllib.load(handle)
    keep = [
        f
        for f in document["file"]
        if f["vintage"] != VINTAGE
        and not (f["kind"] == "els-history" and f["vintage"] > "2025-06-24")
    ]
    from levelup.data.pinning import dumps

    document["file"] = keep
    (project / "data" / "sources.toml").write_text(dumps(document))
    editions = (project / "data" / "editions.toml").read_text()
    (project / "data" / "editions.toml").write_text(
        editions[: editions.index("[edition.2026]")].rstrip() + "\n"
    )
    return project


def test_building_2026_from_2025_reproduces_the_committed_manifest(mirror, tmp_path):
    project = project_before_2026(tmp_path)
    result = new_edition(
        "2026",
        mirror / "els" / VINTAGE,
        data_dir=project / "data",
        project_dir=project,
        cache_dir=tmp_path / "cache",
        metrics_by_input=Registry().metrics_by_input(),
    )
    assert (project / "data" / "sources.toml").read_text() == (
        PROJECT_ROOT / "data" / "sources.toml"
    ).read_text()
    with open(project / "data" / "editions.toml", "rb") as handle:
        edition = tomllib.load(handle)["edition"]["2026"]
    with open(PROJECT_ROOT / "data" / "editions.toml", "rb") as handle:
        committed = tomllib.load(handle)["edition"]["2026"]
    for field in (
        "els_vintage",
        "history_cutoff",
        "boundaries",
        "dwelling_stock_source",
        "previous",
    ):
        assert edition[field] == committed[field], field
    assert (
        result.boundaries == 2025
    )  # the vintage's notes record the 2025 Barnsley/Sheffield recode
    profile = (project / "_quarto-2026.yml").read_text()
    assert 'edition: "2026"' in profile and VINTAGE in profile
    summary = result.report.summary()
    assert summary["datasets_renamed"] >= 20 and summary["revised_values"] > 1000
    report_dir = project / "data" / "changes" / "2026"
    assert (
        (report_dir / "data-changes.md")
        .read_text()
        .startswith("# Data changes: edition 2025 to edition 2026")
    )
    revisions = list(csv.DictReader((report_dir / "revisions.csv").open()))
    assert {"metric", "period"} == set(revisions[0]) and any(
        r["metric"] == "m07-hle" for r in revisions
    )
    # editions are never overwritten
    with pytest.raises(EditionError, match="already exists"):
        new_edition(
            "2026",
            mirror / "els" / VINTAGE,
            data_dir=project / "data",
            project_dir=project,
            cache_dir=tmp_path / "cache",
            metrics_by_input={},
        )


def broken_mirror(mirror: Path, tmp_path: Path, rel: str, edit) -> Path:
    """A mirror whose 2026 vintage holds a broken copy of ``rel``, listed with its new checksum."""
    root = tmp_path / "mirror"
    (root / "els").mkdir(parents=True)
    for child in mirror.iterdir():
        if child.name != "els":
            (root / child.name).symlink_to(child)
    for child in (mirror / "els").iterdir():
        if child.name not in (VINTAGE, "MANIFEST.csv"):
            (root / "els" / child.name).symlink_to(child)
    shutil.copytree(
        mirror / "els" / VINTAGE,
        root / "els" / VINTAGE,
        copy_function=lambda s, d: Path(d).symlink_to(s),
    )
    target = root / rel
    original = (mirror / rel).read_bytes()
    target.unlink()
    data = edit(original)
    target.write_bytes(data)
    lines = (mirror / "els" / "MANIFEST.csv").read_text().splitlines()
    digest = hashlib.sha256(data).hexdigest()
    out = []
    for line in lines:
        if f",{rel}," in line:
            parts = line.split(",")
            parts[-3], parts[-2] = digest, str(len(data))
            line = ",".join(parts)
        out.append(line)
    (root / "els" / "MANIFEST.csv").write_text("\n".join(out) + "\n")
    return root


@pytest.mark.parametrize(
    ("folder", "edit", "rule", "column"),
    [
        (
            "claimant-count",
            lambda b: re.sub(
                rb"(E92000001,England,Nation,Claimant Count,2024-01-01/P1Y,)[0-9.]+",
                rb"\g<1>104.5",
                b,
            ),
            "percentage outside 0\u2013100",
            "observation",
        ),
        (
            "healthy-life-expectancy",
            lambda b: b.replace(b"2022-01-01/P3Y", b"2022-01-01/P3", 1),
            "unparseable period",
            "period",
        ),
        ("homicide-offences", lambda b: b.replace(b"areacd", b"area", 1), "schema", "areacd"),
    ],
)
def test_a_broken_new_vintage_is_refused_and_nothing_is_written(
    mirror, tmp_path, folder, edit, rule, column
):
    rel = f"els/{VINTAGE}/{folder}/{folder}.csv"
    root = broken_mirror(mirror, tmp_path, rel, edit)
    project = project_before_2026(tmp_path)
    before = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    with pytest.raises(DataValidationError) as info:
        new_edition(
            "2026",
            root / "els" / VINTAGE,
            data_dir=project / "data",
            project_dir=project,
            cache_dir=tmp_path / "cache",
            metrics_by_input={},
        )
    issue = next(i for i in info.value.issues if i.rule == rule)
    assert issue.file == rel and issue.column == column and f"els/{folder}" == issue.dataset
    if rule == "schema":
        assert issue.line == 1 and "missing required column(s) 'areacd'" in issue.detail
    else:
        assert issue.line > 1
    after = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    assert after == before
    assert not (project / "_quarto-2026.yml").exists()
