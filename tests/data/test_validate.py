"""Deliberately broken copies of real files: each is refused with dataset, file, line, column, rule."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from levelup.data.catalogue import Catalogue
from levelup.data.fetch import DataStore
from levelup.data.load import DataLoader
from levelup.data.sources import Manifest
from levelup.data.validate import DataValidationError

HLE = "els/2026-06-26/healthy-life-expectancy/healthy-life-expectancy.csv"  # BOM, CRLF, 12 columns
CLAIMANT_2025 = (
    "els/2025-06-24/claimant-count/claimant-count.csv"  # 2025 upper-case schema, plain years
)


def broken_loader(mirror: Path, tmp_path: Path, rel: str, edit, edition: int = 2026) -> DataLoader:
    """A loader whose mirror holds a copy of ``rel`` changed by ``edit(lines) -> lines``, re-pinned."""
    raw = (mirror / rel).read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = edit(text.split(newline))
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode()
    target = tmp_path / "mirror" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if not (tmp_path / "mirror" / "population").exists():  # area names are checked against it
        (tmp_path / "mirror" / "population").symlink_to(mirror / "population")
    real = Manifest.load()
    files = [
        dataclasses.replace(pin, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        if pin.path == rel
        else pin
        for pin in real
    ]
    manifest = Manifest(files)
    store = DataStore(manifest, mirror=tmp_path / "mirror", cache_dir=tmp_path / "cache")
    return DataLoader(edition, store=store, catalogue=Catalogue(manifest), use_cache=False)


def replace_field(line: str, index: int, value: str) -> str:
    import csv
    import io

    row = next(csv.reader([line]))
    row[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def load_error(loader: DataLoader, dataset: str) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        loader.load(dataset, harmonise_boundaries=False)
    return info.value


def only_issue(error: DataValidationError, rule: str):
    matching = [i for i in error.issues if i.rule == rule]
    assert matching, f"no {rule!r} issue in:\n{error}"
    return matching[0]


def test_percentage_above_100(mirror, tmp_path):
    # HLE is in years; use the KS2 file (unit %) instead
    rel = "els/2026-06-26/pupils-at-expected-standards-by-end-of-primary-school/pupils-at-expected-standards-by-end-of-primary-school.csv"

    def edit(lines):
        lines[5] = replace_field(lines[5], 5, "104.2")
        return lines

    issue = only_issue(
        load_error(
            broken_loader(mirror, tmp_path, rel, edit),
            "els/pupils-at-expected-standards-by-end-of-primary-school",
        ),
        "percentage outside 0–100",
    )
    assert (issue.file, issue.line, issue.column) == (rel, 6, "observation")
    assert "104.2" in issue.detail
    assert "els/pupils-at-expected-standards-by-end-of-primary-school" in str(issue)


def test_negative_count(mirror, tmp_path):
    rel = "els/2026-06-26/claimant-count/claimant-count.csv"

    def edit(lines):
        lines[3] = replace_field(lines[3], 5, "-3.1")
        return lines

    loader = broken_loader(mirror, tmp_path, rel, edit)
    issue = only_issue(load_error(loader, "els/claimant-count"), "percentage outside 0–100")
    assert issue.line == 4
    rel2 = "els/2026-06-26/motor-vehicle-flow/motor-vehicle-flow.csv"

    def edit2(lines):
        lines[2] = replace_field(lines[2], 5, "-10")
        return lines

    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path / "b", rel2, edit2), "els/motor-vehicle-flow"),
        "negative value",
    )
    assert (issue.line, issue.column) == (3, "observation")


def test_lower_ci_above_upper(mirror, tmp_path):
    def edit(lines):
        lines[2] = replace_field(lines[2], 8, "99")
        return lines

    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path, HLE, edit), "els/healthy-life-expectancy"),
        "lower confidence limit above upper",
    )
    assert (issue.file, issue.line, issue.column) == (HLE, 3, "lci_95")


def test_duplicate_key(mirror, tmp_path):
    def edit(lines):
        changed = replace_field(lines[1], 5, "12.345")
        return lines + [changed]

    loader = broken_loader(mirror, tmp_path, HLE, edit)
    issue = only_issue(load_error(loader, "els/healthy-life-expectancy"), "duplicate key")
    assert issue.column == "areacd" and issue.line in (
        2,
        len((mirror / HLE).read_text(encoding="utf-8-sig").splitlines()) + 1,
    )


def test_a_repeated_row_is_refused(mirror, tmp_path):
    lines = (mirror / HLE).read_bytes().decode("utf-8-sig").split("\r\n")
    loader = broken_loader(mirror, tmp_path, HLE, lambda lines: [*lines[:-1], lines[1], lines[-1]])
    issues = load_error(loader, "els/healthy-life-expectancy").issues
    assert {(i.rule, i.line, i.column) for i in issues} == {
        ("duplicate key", 2, "areacd"),
        ("duplicate key", len(lines), "areacd"),
    }


def test_an_area_listed_under_two_geography_labels_is_kept_once_and_reported(mirror, tmp_path):
    def edit(lines):
        return [*lines[:-1], replace_field(lines[1], 2, "Nation"), lines[-1]]

    loader = broken_loader(mirror, tmp_path, HLE, edit)
    frame = loader.load("els/healthy-life-expectancy", harmonise_boundaries=False)
    dropped = loader.reports["els/healthy-life-expectancy"].dropped
    assert dropped and "identical duplicate" in dropped[0]["reason"]
    assert not frame.duplicated(["indicator_id", "area_code", "period"]).any()


def test_unknown_area_code(mirror, tmp_path):
    def edit(lines):
        lines[7] = replace_field(lines[7], 0, "X99999999")
        return lines

    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path, HLE, edit), "els/healthy-life-expectancy"),
        "unknown area code",
    )
    assert (issue.line, issue.column) == (8, "areacd") and "X99999999" in issue.detail


def test_code_contradicting_geography_label(mirror, tmp_path):
    def edit(lines):
        lines[7] = replace_field(lines[7], 2, "Region")
        return lines

    loader = broken_loader(mirror, tmp_path, HLE, edit)
    issue = only_issue(
        load_error(loader, "els/healthy-life-expectancy"), "geography label contradicts area code"
    )
    assert issue.line == 8


def test_unparseable_period(mirror, tmp_path):
    def edit(lines):
        lines[4] = replace_field(lines[4], 4, "2011-13")
        return lines

    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path, HLE, edit), "els/healthy-life-expectancy"),
        "unparseable period",
    )
    assert (issue.line, issue.column) == (5, "period") and "2011-13" in issue.detail


def test_non_numeric_value(mirror, tmp_path):
    def edit(lines):
        lines[9] = replace_field(lines[9], 5, "n/a")
        return lines

    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path, HLE, edit), "els/healthy-life-expectancy"),
        "non-numeric value",
    )
    assert (issue.line, issue.column) == (10, "value")


def test_suppressed_value_published_as_zero(mirror, tmp_path):
    def edit(lines):
        for i, line in enumerate(lines):
            if re.search(r",x,[^,]*$", line.strip()):
                lines[i] = replace_field(line, 5, "0")
                return lines
        raise AssertionError("no suppressed row found")

    rel = "els/2026-06-26/claimant-count/claimant-count.csv"  # status x = suppressed, value blank
    issue = only_issue(
        load_error(broken_loader(mirror, tmp_path, rel, edit), "els/claimant-count"),
        "suppressed value published as a number",
    )
    assert "suppressed" in issue.detail


def test_missing_column_in_a_2025_schema_file(mirror, tmp_path):
    def edit(lines):
        lines[0] = lines[0].replace("Period", "Perod")
        return lines

    issue = only_issue(
        load_error(
            broken_loader(mirror, tmp_path, CLAIMANT_2025, edit, edition=2025), "els/claimant-count"
        ),
        "schema",
    )
    assert (issue.line, issue.column) == (1, "period")
    assert "missing required column(s) 'period'; the file's header is" in issue.detail
    assert "Perod" in issue.detail  # the file's own header, as written


def test_label_missing_from_crosswalk_is_refused(mirror, tmp_path):
    def edit(lines):
        return [line.replace("Claimant Count", "Claimant count (new)") for line in lines]

    issue = only_issue(
        load_error(
            broken_loader(mirror, tmp_path, CLAIMANT_2025, edit, edition=2025), "els/claimant-count"
        ),
        "label not in crosswalk",
    )
    assert "data/crosswalks/els-2025-06-24.csv" in issue.detail


def test_message_lists_every_field():
    from levelup.data.validate import Issue

    text = str(
        Issue("els/x", "els/2026-06-26/x/x.csv", 12, "observation", "negative value", "value -1")
    )
    assert (
        text
        == "els/x: els/2026-06-26/x/x.csv line 12, column 'observation': negative value: value -1"
    )
