"""The bad-input catalogue (issue 20): broken files, odd arguments, unsafe pins, tampered data,
killed builds and a full disk, each with its exact outcome.

Every case is one row of ``CASES``: an input and what must happen to it. Either it is refused
(:class:`Refused`: the exception, the file, line and column it names, a phrase of its message,
and nothing written) or it is accepted and rendered safely (:class:`Accepted`: a check of what
was produced). File-level cases load a real ELS file of the 2026 vintage, edited, through the
real loader (``DataLoader``) from a doctored copy of the mirror.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path

import pandas as pd
import pytest

from levelup.data.catalogue import Catalogue
from levelup.data.edition import EditionError, _edition_block, new_edition
from levelup.data.fetch import DataFetchError, DataStore
from levelup.data.load import DataLoader
from levelup.data.sources import Manifest, ManifestError, PinnedFile
from levelup.data.validate import DataValidationError
from levelup.paths import PROJECT_ROOT
from levelup.report.publish import PublishError

VINTAGE = "2026-06-26"
FOLDER = "employment-rate-ni"
REL = f"els/{VINTAGE}/{FOLDER}/{FOLDER}.csv"
DATASET = f"els/{FOLDER}"


# ------------------------------------------------------------------------------ outcomes
MIRROR = Path(
    os.environ.get("LEVELUP_DATA_MIRROR") or PROJECT_ROOT.parent / "shared" / "data"
).resolve()


@dataclasses.dataclass
class Refused:
    """Raised ``error``; its message names ``file`` (and ``line``/``column`` when given) and
    contains ``says``; no file under the case's watched folder changed."""

    error: type[BaseException]
    says: str
    file: str = ""
    line: int | Callable[[], int] | None = None
    column: str | None = None

    def check(self, run: Callable[[], object], env: Env) -> None:
        before = env.snapshot()
        with pytest.raises(self.error) as info:
            run()
        message = str(info.value)
        assert self.says in message, message
        if self.file:
            assert self.file in message, message
        if self.line is not None:
            line = self.line() if callable(self.line) else self.line
            assert f"{self.file} line {line}, column '{self.column}'" in message, message
        assert env.snapshot() == before, "something was written"


@dataclasses.dataclass
class Accepted:
    """Returned normally; ``check`` asserts what was produced is right and safe."""

    check_result: Callable[[object, Env], None]

    def check(self, run: Callable[[], object], env: Env) -> None:
        self.check_result(run(), env)


# ------------------------------------------------------------------------------ environment
class Env:
    """A temporary workspace: a doctored mirror, a project data/ copy, a cache."""

    def __init__(self, mirror: Path, tmp: Path):
        self.real_mirror = mirror
        self.tmp = tmp
        self.watched = tmp / "watched"
        self.watched.mkdir()

    def snapshot(self) -> dict[Path, bytes]:
        """Every file under ``watched`` (a case's project and output folders), caches aside
        (verification stamps are not output)."""
        return {
            p: p.read_bytes()
            for p in self.watched.rglob("*")
            if p.is_file() and "cache" not in p.relative_to(self.watched).parts
        }

    # a mirror whose copy of one file is replaced, with a manifest pinning the new bytes
    def mirror_with(self, rel: str, data: bytes) -> tuple[Path, Manifest]:
        root = self.tmp / "mirror"
        if not root.exists():
            _link_tree(self.real_mirror, root, rel)
        target = root / rel
        target.unlink(missing_ok=True)
        target.write_bytes(data)
        manifest = Manifest.load()
        files = [
            dataclasses.replace(p, sha256=sha256(data).hexdigest(), bytes=len(data))
            if p.path == rel
            else p
            for p in manifest
        ]
        return root, Manifest(files, manifest.path)

    def load_edited(self, edit: Callable[[bytes], bytes], rel: str = REL):
        """Load DATASET with ``rel`` replaced by ``edit(original bytes)``."""
        data = edit((self.real_mirror / rel).read_bytes())
        root, manifest = self.mirror_with(rel, data)
        store = DataStore(manifest, mirror=root, cache_dir=self.watched / "cache")
        loader = DataLoader(
            VINTAGE[:4], store=store, catalogue=Catalogue(manifest), use_cache=False
        )
        frame = loader.load(DATASET, harmonise_boundaries=False)
        return frame, loader.reports[DATASET]

    def project_data(self) -> Path:
        data = self.watched / "data"
        if not data.exists():
            shutil.copytree(
                PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("changes", "geography")
            )
        return data


def _link_tree(src: Path, dst: Path, keep: str) -> None:
    """Symlink ``src`` into ``dst`` except along the path ``keep``: its folders are real and
    the file itself is left for the caller to write."""
    dst.mkdir(parents=True)
    head, _, rest = keep.partition("/")
    for child in src.iterdir():
        if child.name == head and rest:
            _link_tree(child, dst / head, rest)
        elif child.name != head:
            (dst / child.name).symlink_to(child)


def lines_of(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def n_lines(data: bytes) -> int:
    return len(data.rstrip(b"\n").split(b"\n"))


def set_cell(line_no: int, column: int, value: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        rows = lines_of(data)
        cells = rows[line_no - 1].split(b",")
        cells[column] = value
        rows[line_no - 1] = b",".join(cells)
        return b"\n".join(rows)

    return edit


def loaded(env: Env, edit, rel: str = REL):
    return lambda: env.load_edited(edit, rel)


def real_lines() -> int:
    """Lines of the real file (header included)."""
    return n_lines((MIRROR / REL).read_bytes())


def refused_load(rule_says: str, line: int | None, column: str | None) -> Refused:
    return Refused(DataValidationError, rule_says, file=REL, line=line, column=column)


# --- file cases: accepted and safe ---------------------------------------------------------
def _flagged_name(name: str):
    def check(result, env):
        frame, report = result
        assert name in set(frame["area_name"])  # kept as published...
        warning = next(w for w in report.warnings if "area name disagrees" in w)
        assert f"{REL} line 4, column 'areanm'" in warning  # ...and flagged against the lookup
        assert "officially 'Antrim and Newtownabbey'" in warning

    return Accepted(check)


def _clean_load(result, env):
    frame, report = result
    assert len(frame) > 10 and frame["value"].notna().all()
    assert not [w for w in report.warnings if "area name" in w]


# --- edition new ---------------------------------------------------------------------------
def edition_new(env: Env, year: str, *, manifest_row: str | None = None, title=None):
    """``levelup edition new YEAR`` on a copy of the project's data/ with a mirror whose ELS
    listing holds ``manifest_row`` (after its header: line 2)."""
    data = env.project_data()
    mirror = env.tmp / "fake-mirror"
    vintage = mirror / "els" / "2027-01-15"
    vintage.mkdir(parents=True, exist_ok=True)
    header = "vintage,path,upstream_repo,upstream_commit,upstream_path,upstream_url,sha256,bytes,licence\n"
    row = manifest_row or _row("els/2027-01-15/x/x.csv", "https://example.org/x.csv")
    (mirror / "els" / "MANIFEST.csv").write_text(header + row)

    def run():
        return new_edition(
            year,
            vintage,
            data_dir=data,
            project_dir=env.watched,
            cache_dir=env.watched / "cache",
            title=title,
            metrics_by_input={},
        )

    return run


def _row(path: str, url: str) -> str:
    return f"2027-01-15,{path},o/r,c,x/x.csv,{url},{'0' * 64},1,OGL-3.0\n"


def toml_block(title: str):
    def run():
        from types import SimpleNamespace

        previous = SimpleNamespace(
            year="2026", sdg_vintage="2025-09-24", sdg_legacy_vintage="2021-11-22"
        )
        return _edition_block("2027", "2027-01-15", previous, 2025, title, "mhclg_lt104_dse2025")

    return run


def _title_survives(title: str):
    def check(block, env):
        edition = tomllib.loads(block)["edition"]
        assert list(edition) == ["2027"]  # no key injected beside it
        assert edition["2027"]["title"] == title and edition["2027"]["boundaries"] == 2025
        assert set(edition["2027"]) == {
            "title",
            "els_vintage",
            "history_cutoff",
            "sdg_vintage",
            "sdg_legacy_vintage",
            "boundaries",
            "dwelling_stock_source",
            "previous",
        }

    return Accepted(check)


# --- pins ----------------------------------------------------------------------------------
def sources_toml_with(env: Env, path: str, url: str):
    from levelup.data.pinning import dumps

    document = tomllib.loads((PROJECT_ROOT / "data" / "sources.toml").read_text())
    document["file"].append(dict(document["file"][0], path=path, url=url, id=path))
    target = env.watched / "sources.toml"
    target.write_text(dumps(document))
    return lambda: DataStore(Manifest.load(target), cache_dir=env.watched / "cache").fetch()


def fetch_pin(env: Env, path: str, url: str):
    def run():
        pin = PinnedFile(
            path=path, kind="els", collection="els", slug="x", vintage="", url=url,
            sha256="0" * 64, bytes=1, licence="", publisher="", description="", origin="upstream",
        )  # fmt: skip
        store = DataStore(Manifest([pin]), mirror=None, cache_dir=env.watched / "cache")
        try:
            return store.fetch(progress=False)
        finally:
            outside = [p for p in Path("/tmp").glob("evil.csv*")] + [
                p for p in env.tmp.rglob("evil.csv*")
            ]
            assert not outside, f"written outside the cache: {outside}"

    return run


# --- integrity -----------------------------------------------------------------------------
def tampered_in_place(env: Env, *, restore_mtime: bool, rehash: bool = False):
    """Verify a mirror copy, then change one byte in place (same size, mtime restored)."""

    def run():
        root = env.tmp / "mirror-copy"
        (root / REL).parent.mkdir(parents=True)
        shutil.copyfile(env.real_mirror / REL, root / REL)
        manifest = Manifest.load()
        DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache").path(REL)  # stamped
        stat = (root / REL).stat()
        data = bytearray((root / REL).read_bytes())
        data[-5] = ord("9") if data[-5] != ord("9") else ord("8")
        (root / REL).write_bytes(bytes(data))
        if restore_mtime:
            os.utime(root / REL, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert (root / REL).stat().st_size == stat.st_size
        store = DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache", rehash=rehash)
        return store.path(REL)

    return run


def warm_cache_wrong_size(env: Env):
    """Load a dataset (cache warm), then truncate its file: the next load is refused."""

    def run():
        root = env.tmp / "mirror-warm"
        _link_tree(env.real_mirror, root, REL)  # every file linked but REL, a real copy
        shutil.copyfile(env.real_mirror / REL, root / REL)
        manifest = Manifest.load()
        first = DataLoader(
            "2026", store=DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache")
        )
        first.load(DATASET)  # the parsed table is cached
        with (root / REL).open("r+b") as handle:
            handle.truncate((root / REL).stat().st_size - 10)
        store = DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache", rehash=True)
        return DataLoader("2026", store=store).load(DATASET)

    return run


def tampered_parse_cannot_survive(env: Env):
    """A parse of tampered bytes is never cached under the pin: after restoring the file the
    original values come back, and while tampered even a warm cache refuses."""

    def run():
        root = env.tmp / "mirror-parse"
        _link_tree(env.real_mirror, root, REL)
        original = (env.real_mirror / REL).read_bytes()
        (root / REL).write_bytes(original)
        manifest = Manifest.load()
        cache = env.tmp / "cache"
        good = DataLoader("2026", store=DataStore(manifest, mirror=root, cache_dir=cache))
        expected = good.load(DATASET, harmonise_boundaries=False)
        stat = (root / REL).stat()
        tampered = original.replace(b",73.6,", b",93.6,", 1)
        assert len(tampered) == len(original)
        (root / REL).write_bytes(tampered)
        os.utime(root / REL, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        with pytest.raises(DataFetchError, match="checksum mismatch"):
            DataLoader("2026", store=DataStore(manifest, mirror=root, cache_dir=cache)).load(
                DATASET, harmonise_boundaries=False
            )
        (root / REL).write_bytes(original)
        again = DataLoader("2026", store=DataStore(manifest, mirror=root, cache_dir=cache))
        return expected, again.load(DATASET, harmonise_boundaries=False)

    return run


def _same_tables(result, env):
    expected, again = result
    pd.testing.assert_frame_equal(expected, again)
    assert 73.6 in set(again["value"]) and 93.6 not in set(again["value"])


def checksums_without_build_log(env: Env):
    def run():
        from levelup.report.publish import BUILD_RECORD, verify, write_checksums

        edition = env.tmp / "edition"
        edition.mkdir()
        (edition / "findings.csv").write_text("key,value\n")
        (edition / BUILD_RECORD).write_text('{"timings": {"total": 1.0}}\n')
        sums = write_checksums(edition)
        (edition / BUILD_RECORD).write_text('{"timings": {"total": 2.5}}\n')  # another build
        return sums, verify(edition)

    return run


def _checksums_reproducible(result, env):
    sums, problems = result
    assert sorted(sums) == ["findings.csv"] and problems == []


def stale_staging(env: Env):
    def run():
        from levelup.report.publish import tmp_sibling

        out = env.tmp / "_output"
        out.mkdir()
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        (out / f".2026.tmp-{dead.pid}").mkdir()  # a killed build's leftovers
        (out / f".2026.tmp-{dead.pid}" / "index.html").write_text("half")
        (out / ".2026.tmp-1").mkdir()  # pid 1 is alive: a running build's, left alone
        mine = tmp_sibling(out / "2026")
        return out, dead.pid, mine

    return run


def _stale_cleaned(result, env):
    out, dead_pid, mine = result
    assert not (out / f".2026.tmp-{dead_pid}").exists()
    assert (out / ".2026.tmp-1").is_dir() and mine == out / f".2026.tmp-{os.getpid()}"


def disk_full(env: Env):
    from levelup.report.publish import staging

    final = env.watched / "_output" / "2026"
    final.mkdir(parents=True)
    (final / "index.html").write_text("the published edition\n")

    def run():
        with staging(final) as tmp:
            (tmp / "index.html").write_text("new")
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "report.pdf"))

    return run


def publish_with_tampered_input(env: Env):
    """``levelup publish`` hashes every input the edition read: a same-size change with its
    mtime restored is caught even though a stamp says the file was verified."""
    from levelup.report.publish import verify_inputs

    root = env.tmp / "mirror-publish"
    (root / REL).parent.mkdir(parents=True)
    shutil.copyfile(env.real_mirror / REL, root / REL)
    manifest = Manifest.load()
    DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache").path(REL)  # stamped
    edition = env.watched / "_output" / "2026"
    edition.mkdir(parents=True)
    pin = manifest.get(REL)
    (edition / "data-manifest.toml").write_text(
        f'[[file]]\npath = "{REL}"\nsha256 = "{pin.sha256}"\n', encoding="utf-8"
    )
    stat = (root / REL).stat()
    data = (root / REL).read_bytes().replace(b",73.6,", b",93.6,", 1)
    (root / REL).write_bytes(data)
    os.utime(root / REL, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    store = DataStore(manifest, mirror=root, cache_dir=env.tmp / "cache", rehash=True)
    return lambda: verify_inputs(edition, store)


# --- change report -------------------------------------------------------------------------
def change_report_identical(period_type: str, periods: list[tuple[str, str, str]]):
    def run():
        from levelup.data.changes import _row_changes

        rows = []
        for area in ("E06000001", "E06000002"):
            for i, (label, start, end) in enumerate(periods):
                rows.append(
                    {
                        "indicator_id": "d/x",
                        "area_code": area,
                        "area_name": area,
                        "period": label,
                        "period_start": pd.Timestamp(start),
                        "period_end": pd.Timestamp(end),
                        "period_type": period_type,
                        "source_id": "",
                        "value": float(i),
                    }
                )
        frame = pd.DataFrame(rows)
        return _row_changes("d", frame, frame.copy())

    return run


def _no_revisions(result, env):
    areas, periods, revisions = result
    assert areas == [] and periods == [] and revisions.empty


MONTHS = [(f"2024-{m:02d}", f"2024-{m:02d}-01", f"2024-{m:02d}-28") for m in range(1, 13)]
QUARTERS = [
    (f"2024-Q{q}", f"2024-{3 * q - 2:02d}-01", f"2024-{3 * q:02d}-{30 if q in (2, 3) else 31}")
    for q in range(1, 5)
]
YEARS_TWO_ANCHORS = [
    ("2024", "2024-01-01", "2024-12-31"),
    ("2024-04-01/P1Y", "2024-04-01", "2025-03-31"),
]
SNAPSHOTS = [(f"2024-{m:02d}-15", f"2024-{m:02d}-15", f"2024-{m:02d}-15") for m in (1, 4, 7, 10)]


# --- outputs -------------------------------------------------------------------------------
def chart_csv(env: Env):
    def run():
        from levelup.charts.style import save_chart_data

        frame = pd.DataFrame(
            {
                "area_name": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-cmd", "Hartlepool"],
                "value": [-1.5, 2.0, -0.25, 1e-7],
                "period": ["2024", "2024", "2024", "2024"],
            }
        )
        return save_chart_data("fig-test", frame, env.tmp / "out")

    return run


def _chart_csv_safe(path, env):
    text = path.read_text()
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "'-cmd" in text
    back = pd.read_csv(path)
    assert back["value"].dtype == float and list(back["value"]) == [-1.5, 2.0, -0.25, 1e-7]


def findings_round_trip(env: Env):
    def run():
        from levelup.findings.table import write_findings_csv
        from levelup.gates.numbers import read_findings

        frame = pd.DataFrame(
            {
                "key": ["a.b", "a.c", "a.d"],
                "value": [-2.5, 1.0, float("nan")],
                "lower": [float("nan")] * 3,
                "upper": [float("nan")] * 3,
                "display": ["+2.9 years", "'=x", "<script>alert(1)</script>"],
                "area_name": ['=HYPERLINK("http://x")', "Hartlepool", "\tTab"],
            }
        )
        path = env.tmp / "findings.csv"
        write_findings_csv(frame, path)
        return path, read_findings(path)

    return run


def _findings_safe(result, env):
    path, findings = result
    text = path.read_text()
    assert "'=HYPERLINK" in text and "'+2.9 years" in text and "''=x" in text
    assert ",-2.5," in text  # a negative number stays a number
    assert findings.rows["a.b"]["display"] == "+2.9 years"  # the numbers gate reads it back
    assert findings.rows["a.c"]["display"] == "'=x"
    assert findings.rows["a.d"]["area_name"] == "\tTab"


def markdown_table_of(name: str):
    def run():
        from levelup.metrics.analysis import markdown_table

        table = markdown_table(pd.DataFrame({"area": [name], "value": [1.5]}))
        return _pandoc_html(table.data)

    return run


def var_in_chapter(env: Env, display: str):
    """A chapter line quoting a finding (``{{< var >}}``), expanded by the report renderer."""

    def run():
        from levelup.report.render.sources import ExpandContext, SrcLine, _ShortcodeExpander

        ctx = ExpandContext(env.tmp, None, {"m01": {"lowest": display}}, None, None, None)
        problems = []
        text = _ShortcodeExpander(ctx, {}, problems).line(
            SrcLine("The lowest area is {{< var m01.lowest >}}.", "x.qmd", 1), False
        )
        assert problems == []
        return _pandoc_html("\n".join(text))

    return run


def _pandoc_html(markdown: str) -> str:
    import pypandoc

    return pypandoc.convert_text(markdown, "html", format="markdown")


def _escaped(text: str):
    def check(html, env):
        assert "<script" not in html, html
        assert text in html, html  # shown as text, not an empty cell

    return Accepted(check)


# ------------------------------------------------------------------------------ the catalogue

CASES: list[tuple[str, Callable[[Env], Callable[[], object]], object]] = [
    # --- intake: one indicator file ---------------------------------------------------------
    ("duplicate row (same area, indicator, period)",
     lambda env: loaded(env, lambda b: b.rstrip(b"\n") + b"\n" + lines_of(b)[3] + b"\n"),
     refused_load("duplicate key", lambda: real_lines() + 1, "areacd")),
    ("duplicate key with a different value",
     lambda env: loaded(env, lambda b: b.rstrip(b"\n") + b"\n" + lines_of(b)[3].replace(b",78.5,", b",70.0,") + b"\n"),
     refused_load("duplicate key", 4, "areacd")),
    ("header only", lambda env: loaded(env, lambda b: lines_of(b)[0] + b"\n"),
     refused_load("no data rows: the file has a header only", 2, "")),
    ("zero bytes", lambda env: loaded(env, lambda b: b""),
     refused_load("empty file (0 bytes)", 1, "")),
    ("Latin-1 encoded", lambda env: loaded(env, lambda b: b.replace(b"Antrim and Newtownabbey", "Antrim and Newtownabbey Ê".encode("latin-1"), 1)),
     refused_load("not UTF-8: byte 0xca at byte offset", 4, "")),
    ("truncated last row", lambda env: loaded(env, lambda b: b.rstrip(b"\n")[:-25] + b"\n"),
     refused_load("wrong field count", real_lines, "")),
    ("truncated row in the middle", lambda env: loaded(env, lambda b: b.replace(lines_of(b)[4], lines_of(b)[4][:30], 1)),
     refused_load("wrong field count", 5, "")),
    ("row with an extra field", lambda env: loaded(env, lambda b: b.replace(lines_of(b)[5], lines_of(b)[5] + b",extra", 1)),
     refused_load("wrong field count: 13 fields, the header has 12", 6, "")),
    ("renamed column areacd", lambda env: loaded(env, lambda b: b.replace(b"areacd", b"area", 1)),
     refused_load("missing required column(s) 'areacd'; the file's header is area, areanm", 1, "areacd")),
    ("missing column period", lambda env: loaded(env, lambda b: b"\n".join(
        b",".join(c for i, c in enumerate(line.split(b",")) if i != 4) for line in lines_of(b))),
     refused_load("missing required column(s) 'period'", 1, "period")),
    ("non-numeric value", lambda env: loaded(env, set_cell(3, 5, b"seventy")),
     refused_load("non-numeric value", 3, "value")),
    ("unparseable period", lambda env: loaded(env, set_cell(3, 4, b"2023-13-01/P1Y")),
     refused_load("unparseable period", 3, "period")),
    ("percentage above 100", lambda env: loaded(env, set_cell(3, 5, b"104.5")),
     refused_load("percentage outside 0", 3, "observation")),
    ("unknown area code", lambda env: loaded(env, set_cell(4, 0, b"N99999999")),
     refused_load("unknown area code", 4, "areacd")),
    ("lower confidence limit above upper", lambda env: loaded(env, set_cell(3, 8, b"99.9")),
     refused_load("lower confidence limit above upper", 3, "lci_95")),
    ("area name is a spreadsheet formula",
     lambda env: loaded(env, set_cell(4, 1, b'"=HYPERLINK(""http://evil.example"",""x"")"')),
     _flagged_name('=HYPERLINK("http://evil.example","x")')),
    ("area name is a script tag", lambda env: loaded(env, set_cell(4, 1, b"<script>alert(1)</script>")),
     _flagged_name("<script>alert(1)</script>")),
    ("BOM and CRLF line endings", lambda env: loaded(env, lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
     Accepted(_clean_load)),
    # --- edition new: arguments -------------------------------------------------------------
    ("YEAR not a number", lambda env: edition_new(env, "abcd"),
     Refused(EditionError, "YEAR 'abcd' is not a four-digit year after the latest edition 2026")),
    ("YEAR a path", lambda env: edition_new(env, "../../../x"),
     Refused(EditionError, "YEAR '../../../x' is not a four-digit year")),
    ("YEAR five digits", lambda env: edition_new(env, "20270"),
     Refused(EditionError, "is not a four-digit year")),
    ("YEAR before the latest edition", lambda env: edition_new(env, "2024"),
     Refused(EditionError, "YEAR '2024' is not a four-digit year after the latest edition 2026")),
    ("YEAR of an existing edition", lambda env: edition_new(env, "2026"),
     Refused(EditionError, "edition 2026 already exists")),
    ("title with quotes", lambda env: toml_block('The "levelling up" report'),
     _title_survives('The "levelling up" report')),
    ("title crafted to inject keys", lambda env: toml_block('x"\nboundaries = 1999\n[edition.2099]\ntitle = "y'),
     _title_survives('x"\nboundaries = 1999\n[edition.2099]\ntitle = "y')),
    # --- pins ---------------------------------------------------------------------------------
    ("MANIFEST.csv path with ..", lambda env: edition_new(env, "2027", manifest_row=_row("els/2027-01-15/../../../evil.csv", "https://e.org/x")),
     Refused(EditionError, "MANIFEST.csv line 2: unsafe pin: path 'els/2027-01-15/../../../evil.csv' is absolute or contains '..'")),
    ("MANIFEST.csv absolute path", lambda env: edition_new(env, "2027", manifest_row=_row("/tmp/evil.csv", "https://e.org/x")),
     Refused(EditionError, "MANIFEST.csv line 2: unsafe pin: path '/tmp/evil.csv'")),
    ("MANIFEST.csv URL not https", lambda env: edition_new(env, "2027", manifest_row=_row("els/2027-01-15/x/x.csv", "http://e.org/x.csv")),
     Refused(EditionError, "MANIFEST.csv line 2: unsafe pin: url 'http://e.org/x.csv' is not https")),
    ("sources.toml pin with ..", lambda env: sources_toml_with(env, "../evil.csv", "https://e.org/x"),
     Refused(ManifestError, "unsafe pin(s), nothing fetched: ../evil.csv")),
    ("sources.toml pin with a file: URL", lambda env: sources_toml_with(env, "els/x.csv", "file:///etc/passwd"),
     Refused(ManifestError, "url 'file:///etc/passwd' is not https")),
    ("fetch of a pin with ..", lambda env: fetch_pin(env, "../../evil.csv", "https://e.org/evil.csv"),
     Refused(DataFetchError, "../../evil.csv: unsafe pin: path '../../evil.csv' is absolute or contains '..'")),
    ("fetch of a pin with an absolute path", lambda env: fetch_pin(env, str(Path("/tmp") / "evil.csv"), "https://e.org/evil.csv"),
     Refused(DataFetchError, "unsafe pin: path '/tmp/evil.csv'")),
    ("fetch of a pin over http", lambda env: fetch_pin(env, "els/evil.csv", "http://e.org/evil.csv"),
     Refused(DataFetchError, "unsafe pin: url 'http://e.org/evil.csv' is not https")),
    # --- integrity ----------------------------------------------------------------------------
    ("same-size byte change, mtime restored", lambda env: tampered_in_place(env, restore_mtime=True),
     Refused(DataFetchError, "checksum mismatch", file=REL)),
    ("same-size byte change, full rehash", lambda env: tampered_in_place(env, restore_mtime=True, rehash=True),
     Refused(DataFetchError, "checksum mismatch", file=REL)),
    ("wrong-size file under a warm table cache", warm_cache_wrong_size,
     Refused(DataFetchError, "truncated", file=REL)),
    ("tampered parse cannot survive restoring the file", tampered_parse_cannot_survive,
     Accepted(_same_tables)),
    ("publish with a tampered input", publish_with_tampered_input,
     Refused(PublishError, "do not verify; nothing was published", file=REL)),
    ("checksums do not cover the build log", checksums_without_build_log,
     Accepted(_checksums_reproducible)),
    ("killed build's staging directory", stale_staging, Accepted(_stale_cleaned)),
    ("disk full while publishing", disk_full,
     Refused(PublishError, "report.pdf: No space left on device; nothing was published")),
    # --- change report on unchanged data ------------------------------------------------------
    ("unchanged monthly data", lambda env: change_report_identical("month", MONTHS), Accepted(_no_revisions)),
    ("unchanged quarterly data", lambda env: change_report_identical("quarter", QUARTERS), Accepted(_no_revisions)),
    ("unchanged calendar and financial years of one series",
     lambda env: change_report_identical("calendar_year", YEARS_TWO_ANCHORS), Accepted(_no_revisions)),
    ("unchanged monthly snapshots", lambda env: change_report_identical("point", SNAPSHOTS), Accepted(_no_revisions)),
    # --- outputs ------------------------------------------------------------------------------
    ("chart download with formula names", chart_csv, Accepted(_chart_csv_safe)),
    ("findings with formula and markup text", findings_round_trip, Accepted(_findings_safe)),
    ("script tag in a table cell", lambda env: markdown_table_of("<script>alert(1)</script>"),
     _escaped("&lt;script&gt;alert(1)&lt;/script&gt;")),
    ("script tag in a finding quoted in a chapter", lambda env: var_in_chapter(env, "<script>x</script> (lowest)"),
     _escaped("&lt;script&gt;x&lt;/script&gt; (lowest)")),
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "outcome"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(name, make, outcome, mirror, tmp_path):
    env = Env(mirror, tmp_path)
    outcome.check(make(env), env)


def test_the_catalogue_covers_at_least_thirty_cases():
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)
