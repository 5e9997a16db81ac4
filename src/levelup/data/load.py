"""Load any dataset of an edition as a validated canonical table on the edition's boundaries.

    >>> loader = DataLoader(edition=2026)
    >>> hle = loader.load("els/healthy-life-expectancy")

Every table is: read from verified pinned files (:mod:`levelup.data.fetch`), parsed
(:mod:`levelup.data.readers`), validated (:mod:`levelup.data.validate`; any issue raises and stops
the build), and harmonised to the edition's boundary set (:mod:`levelup.data.boundaries`).
Parsed tables are cached on disk keyed by the sha256 of their input files as verified on this
machine (:meth:`DataStore.verified_sha256`, not the pin's own field: a file that does not match its
pin never reaches the cache, even a warm one) and the hash of this package's code, so a rebuild
reads them back in milliseconds and a changed input never hits a stale cache. Each table is parsed
once: a process about to parse one holds a lock on its key, and another process (the build's
kernels run side by side) needing the same table waits for it and reads the cache instead of
parsing it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from levelup.data import citations
from levelup.data.boundaries import BoundaryReport, SuccessionRegister, harmonise
from levelup.data.catalogue import Catalogue, DatasetFile, DatasetSpec, Edition
from levelup.data.fetch import DataStore
from levelup.data.geography import (
    OFFICIAL_NAME_FILES,
    area_name_index,
    official_area_names,
    same_area_name,
)
from levelup.data.gfcf import read_regional_gfcf
from levelup.data.patents import read_epo_patents_itl1
from levelup.data.periods import PeriodConvention
from levelup.data.readers import ReadError, canonical_frame, read_sdg_csv, read_tidy_csv
from levelup.data.schema import KEY_COLUMNS, PROJECT_AREA_NAMES
from levelup.data.validate import DataValidationError, Issue, validate_table

_HISTORY_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_LABEL_FALLBACK_COLUMNS = ("mode_of_travel", "measure")
# files in their publisher's own layout (datasets.yaml `tidy:` entries with `reader:`)
SOURCE_READERS = {
    "regional_gfcf": read_regional_gfcf,
    "epo_patents_itl1": read_epo_patents_itl1,
}


@cache
def code_version() -> str:
    """Hash of the data package's source: part of every cache key."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class LoadReport:
    """What loading did besides returning rows: dropped rows and boundary changes."""

    dataset_id: str
    files: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    corrections: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    boundaries: list[dict] = field(default_factory=list)


class DataLoader:
    """Loads the datasets of one edition."""

    def __init__(
        self,
        edition: str | int | None = None,
        store: DataStore | None = None,
        catalogue: Catalogue | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ):
        self.store = store or DataStore()
        self.catalogue = catalogue or Catalogue(self.store.manifest)
        self.edition: Edition = (
            self.catalogue.edition(edition) if edition else self.catalogue.latest_edition
        )
        self.cache_dir = (cache_dir or self.store.cache_dir) / "tables"
        self.use_cache = use_cache
        self.reports: dict[str, LoadReport] = {}
        self._register: SuccessionRegister | None = None

    # ------------------------------------------------------------------ public API
    def datasets(self) -> dict[str, DatasetSpec]:
        return self.catalogue.datasets(self.edition.year)

    def load(self, dataset_id: str, harmonise_boundaries: bool = True) -> pd.DataFrame:
        """The canonical, validated table of one dataset (raises DataValidationError)."""
        spec = self.catalogue.dataset(dataset_id, self.edition.year)
        key = self._cache_key(spec, harmonise_boundaries)
        with self._parsing(key):
            frame, report = self._load_or_parse(key, spec, harmonise_boundaries)
        self.reports[dataset_id] = report
        frame.attrs["dataset_id"] = dataset_id
        frame.attrs["edition"] = self.edition.year
        return frame

    def _load_or_parse(self, key: str, spec: DatasetSpec, harmonise_boundaries: bool):
        """(frame, report) from the cache, else parsed, validated, harmonised and cached."""
        cached = self._cache_get(key)
        if cached is not None:
            frame, report = cached
        else:
            frame, report = self._load(spec)
            if harmonise_boundaries and spec.kind != "sdg":
                boundary = BoundaryReport(self.edition.boundaries)
                frame = harmonise(
                    frame, self.succession_register(), self.edition.boundaries, boundary
                )
                report.boundaries = boundary.rows
                dup = frame.duplicated(KEY_COLUMNS, keep=False)
                if dup.any():  # never double count: a harmonisation bug must not pass silently
                    rows = frame.loc[dup].head(5)
                    raise DataValidationError(
                        [
                            Issue(
                                spec.id,
                                r.source_file,
                                int(r.source_row),
                                "areacd",
                                "duplicate key after boundary harmonisation",
                                f"{r.area_code} {r.period}",
                            )
                            for r in rows.itertuples()
                        ]
                    )
            frame = frame.drop(columns=["status_raw", "notes_raw"], errors="ignore")
            frame = frame.sort_values(
                ["indicator_id", "area_code", "period_start"], kind="stable"
            ).reset_index(drop=True)
            self._cache_put(key, (frame, report))
        return frame, report

    def indicator(self, indicator_id: str, **kwargs) -> pd.DataFrame:
        dataset_id = indicator_id.rsplit("/", 1)[0]
        frame = self.load(dataset_id, **kwargs)
        out = frame[frame["indicator_id"] == indicator_id]
        if out.empty:
            known = sorted(frame["indicator_id"].unique())
            raise KeyError(
                f"indicator {indicator_id!r} not in {dataset_id} (edition {self.edition.year}); known: {known}"
            )
        return out.reset_index(drop=True)

    def provenance(self, dataset_id: str) -> list[dict]:
        """Source file, vintage, sha256 and upstream URL of every file behind a dataset, and the
        reader-facing citation of each (``source``, see :mod:`levelup.data.citations`)."""
        spec = self.catalogue.dataset(dataset_id, self.edition.year)
        out = []
        for f in spec.files:
            pin = self.store.manifest.get(f.path)
            out.append(
                {
                    "dataset_id": dataset_id,
                    "file": pin.path,
                    "vintage": f.vintage,
                    "sha256": pin.sha256,
                    "url": pin.url,
                    "publisher": pin.publisher,
                    "licence": pin.licence,
                    "source": self.citation(spec, f),
                }
            )
        if spec.kind == "els-history" and out:  # one citation for every published version
            source = self._history_citation(spec)
            for row in out:
                row["source"] = source
        return out

    def file_provenance(self, path: str) -> dict:
        """Provenance of one pinned file read directly (not through a dataset), cited by the
        section of ``curated/SOURCES.md`` its pin names (see ``data/citations.yaml``)."""
        import re

        from levelup.data.citations import cite_one

        pin = self.store.manifest.get(path)
        section = re.search(r"\(curated/SOURCES\.md, ([^)]+)\)", pin.publisher or "")
        return {
            "dataset_id": "",
            "file": pin.path,
            "vintage": "",
            "sha256": pin.sha256,
            "url": pin.url,
            "publisher": pin.publisher,
            "licence": pin.licence,
            "source": cite_one(section.group(1)) if section else "",
        }

    def citation(self, spec: DatasetSpec, dataset_file: DatasetFile) -> str:
        """ "Publisher, publication (release)" of one file of a dataset, for readers."""
        if spec.kind == "els":
            publisher, released = self._els_metadata_source(dataset_file.path)
            return citations.els_citation(
                publisher, released, self.edition.els_vintage, publication=spec.source
            )
        if spec.kind == "els-history":
            return self._history_citation(spec)
        if not spec.source:
            # a curated folder copied from a public repository: its SOURCES.md section id
            section = re.search(
                r"curated/SOURCES\.md, ([\w-]+)\)", self._pin_publisher(dataset_file)
            )
            if section:
                return citations.cite_one(section.group(1))
            raise KeyError(
                f"dataset {spec.id} has no `source:` in data/datasets.yaml "
                "(give 'Publisher, publication (release date)' for readers)"
            )
        if spec.kind == "sdg":  # the platform snapshot read, e.g. "(September 2025)"
            when = citations.month_year(dataset_file.vintage)
            return f"{spec.source}, via the UK SDG data platform" + (f" ({when})" if when else "")
        return spec.source

    def _pin_publisher(self, dataset_file: DatasetFile) -> str:
        return self.store.manifest.get(dataset_file.path).publisher or ""

    def _els_metadata_source(self, csv_path: str) -> tuple[str, str]:
        meta_path = str(Path(csv_path).with_suffix(".json"))
        try:
            pin = self.store.manifest.get(meta_path)
        except KeyError:
            return "", ""
        return citations.els_source(citations.read_els_metadata(self.store.path(pin)))

    def _history_citation(self, spec: DatasetSpec) -> str:
        """Publisher from the edition's ELS metadata of the same indicator, and the span of the
        published versions read."""
        slug = spec.id.split("/", 1)[1]
        current = f"els/{self.edition.els_vintage}/{slug}/{slug}.csv"
        publisher, _ = self._els_metadata_source(current)
        span = citations.history_span(f.vintage for f in spec.files)
        name = ", ".join(
            x for x in (publisher or "Office for National Statistics", spec.source) if x
        )
        return (
            f"{name}, via {citations.ELS_NAME} ({span})"
            if span
            else f"{name}, via {citations.ELS_NAME}"
        )

    def succession_register(self) -> SuccessionRegister:
        """Old area code -> successors, from the notes of every ELS file of the edition's vintage."""
        if self._register is None:
            pins = self.store.manifest.select(
                collection="els", vintage=self.edition.els_vintage, kind="els"
            )
            key = hashlib.sha256(
                (
                    "register"
                    + code_version()
                    + "".join(self.store.verified_sha256(p) for p in pins)
                ).encode()
            ).hexdigest()
            with self._parsing(key):
                cached = self._cache_get(key)
                if cached is None:
                    register = SuccessionRegister()
                    for pin in pins:
                        try:
                            raw = read_tidy_csv(self.store.path(pin))
                        except ReadError as exc:
                            issue = Issue(
                                "succession register",
                                pin.path,
                                exc.line,
                                exc.column,
                                "schema",
                                str(exc),
                            )
                            raise DataValidationError([issue]) from None
                        if "notes" in raw:
                            register.add_notes(raw["area_code"].str.strip(), raw["notes"])
                    cached = register
                    self._cache_put(key, register)
            self._register = cached
        return self._register

    # ------------------------------------------------------------------ internals
    def _cache_key(self, spec: DatasetSpec, harmonised: bool) -> str:
        parts = [code_version(), spec.id, repr(spec), str(harmonised), str(self.edition)]
        parts.append(repr(self.catalogue.corrections(spec.id)))  # reviewed corrections apply
        parts += [self.store.verified_sha256(f.path) for f in spec.files]
        # the area-name check reads the official names: a cached table depends on them too, and
        # a build that takes it from the cache records them as read, as a parse does
        parts += [self.store.verified_sha256(f) for f in OFFICIAL_NAME_FILES]
        if harmonised:
            parts += [
                self.store.verified_sha256(p)
                for p in self.store.manifest.select(
                    collection="els", vintage=self.edition.els_vintage, kind="els"
                )
            ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    @contextlib.contextmanager
    def _parsing(self, key: str):
        """Hold the lock of cache entry ``key`` while reading or making it: two processes that
        need the same table parse it once (the second waits, then reads the cache)."""
        if not self.use_cache:
            yield
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with open(self.cache_dir / f".{key}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _cache_get(self, key: str):
        if not self.use_cache:
            return None
        path = self.cache_dir / f"{key}.pkl"
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            return None

    def _cache_put(self, key: str, value) -> None:
        if not self.use_cache:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # a temporary file of its own: the build's kernels fill the same cache concurrently
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.cache_dir / f"{key}.pkl")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load(self, spec: DatasetSpec) -> tuple[pd.DataFrame, LoadReport]:
        report = LoadReport(spec.id)
        frames, issues = [], []
        for dataset_file in spec.files:
            path = self.store.path(dataset_file.path)
            report.files.append({"file": dataset_file.path, "vintage": dataset_file.vintage})
            try:
                frame, file_issues = self._read_file(spec, dataset_file, path, report)
            except ReadError as exc:
                issues.append(
                    Issue(spec.id, dataset_file.path, exc.line, exc.column, "schema", str(exc))
                )
                continue
            frames.append(frame)
            issues += file_issues
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if spec.kind == "els-history":
            frame = _latest_version_per_period(frame)
        if not frame.empty:
            frame = self._apply_corrections(spec, frame, report)
            frame = _drop_identical_duplicates(frame, report)
            report.warnings += [str(w) for w in self._area_name_warnings(spec, frame)]
            warnings: list[Issue] = []
            issues += validate_table(
                frame,
                spec.id,
                allow_negative=spec.allow_negative,
                geography_labels=frame.pop("geography_label"),
                warnings=warnings,
            )
            report.warnings += [str(w) for w in warnings]
        if issues:
            raise DataValidationError(issues)
        return frame, report

    def _area_name_warnings(self, spec: DatasetSpec, frame: pd.DataFrame) -> list[Issue]:
        """Area names that disagree with the official name for their code (the geography
        lookup), once per file, code and name: a formula or markup in a name is caught here."""
        official = official_area_names(self.store)
        names = frame[["area_code", "area_name", "source_file", "source_row"]]
        names = names[names["area_code"].isin(official)]
        names = names.drop_duplicates(["source_file", "area_code", "area_name"])
        out = []
        for row in names.itertuples(index=False):
            expected = official[row.area_code]
            if not same_area_name(row.area_name, expected):
                out.append(
                    Issue(
                        spec.id,
                        row.source_file,
                        int(row.source_row),
                        "areanm",
                        "area name disagrees with the official name for its code",
                        f"{row.area_name!r} for {row.area_code}, officially {expected[0]!r}",
                    )
                )
        return out

    def _apply_corrections(
        self, spec: DatasetSpec, frame: pd.DataFrame, report: LoadReport
    ) -> pd.DataFrame:
        """Apply the reviewed corrections of data/datasets.yaml (`corrections:`) for this dataset."""
        for fix in self.catalogue.corrections(spec.id):
            hit = (frame["source_file"] == fix["file"]) & (frame["source_row"] == int(fix["line"]))
            if not hit.any():
                continue  # the file no longer has that row: the correction is inert
            if fix["action"] == "drop_ci":
                frame.loc[hit, ["lower_ci", "upper_ci"]] = float("nan")
            elif fix["action"] == "drop_row":
                frame = frame.loc[~hit]
            else:
                raise ValueError(
                    f"unknown correction action {fix['action']!r} in data/datasets.yaml"
                )
            report.corrections.append(fix)
        return frame

    def _read_file(
        self, spec: DatasetSpec, dataset_file: DatasetFile, path: Path, report: LoadReport
    ):
        if dataset_file.reader == "sdg":
            options = dict(dataset_file.sdg)
            raw = read_sdg_csv(
                path,
                filters=dict(options["filters"]),
                area_columns=list(options["areas"]),
                area_codes=area_name_index(self.store),
                default_area=tuple(options["default_area"]),
            )
            if options.get("label"):
                raw["indicator"] = options["label"]
            raw["geography_label"] = ""
        elif dataset_file.reader in SOURCE_READERS:
            raw = SOURCE_READERS[dataset_file.reader](path)
        else:
            raw = read_tidy_csv(path)
            if "geography_label" not in raw:
                raw["geography_label"] = ""
        issues: list[Issue] = []
        if dataset_file.source_id:
            raw = raw[raw["source_id"] == dataset_file.source_id]
        # labels: the indicator column, else the column a vintage used instead
        if (raw["indicator"].str.strip() == "").all():
            for column in _LABEL_FALLBACK_COLUMNS:
                if column in raw and (raw[column].str.strip() != "").all():
                    raw["indicator"] = raw[column]
                    break
        if spec.kind == "els-history":
            raw["indicator"] = spec.extra["indicator"]
        if dataset_file.label_map:
            mapping = dict(dataset_file.label_map)
            unmapped = sorted(set(raw["indicator"].str.strip()) - set(mapping))
            for label in unmapped:
                line = int(raw.loc[raw["indicator"].str.strip() == label, "source_row"].iloc[0])
                issues.append(
                    Issue(
                        spec.id,
                        dataset_file.path,
                        line,
                        "indicator",
                        "label not in crosswalk",
                        f"{label!r} has no row in data/crosswalks/els-{dataset_file.vintage}.csv",
                    )
                )
            raw["indicator"] = raw["indicator"].str.strip().map(lambda x: mapping.get(x, x))
        # rows the publisher left undated
        undated = raw["period"].str.strip() == ""
        if undated.any() and spec.undated == "drop":  # otherwise the period parser reports each
            report.dropped.append(
                {
                    "file": dataset_file.path,
                    "lines": raw.loc[undated, "source_row"].tolist(),
                    "reason": "no period given by the source",
                }
            )
            raw = raw.loc[~undated]
        # area groups without a GSS code
        blank = raw["area_code"].str.strip() == ""
        if blank.any():
            raw.loc[blank, "area_code"] = (
                raw.loc[blank, "area_name"]
                .str.strip()
                .str.lower()
                .map(PROJECT_AREA_NAMES)
                .fillna("")
            )
        if spec.key_includes_name:
            na = raw["area_code"].str.strip().str.lower() == "na"
            raw.loc[na, "area_code"] = "na:" + raw.loc[na, "area_name"].str.strip()
        convention = dataset_file.convention
        period_map = None
        if dataset_file.reader == "history":
            period_map = {
                label: _history_month(label) for label in raw["period"].str.strip().unique()
            }
            convention = PeriodConvention(month_label="point")
        indicator_of = (
            (lambda r: r["indicator"].map(lambda _: spec.extra["current_indicator_id"]))
            if spec.kind == "els-history"
            else (lambda r: r["indicator"].str.strip().map(spec.indicator_id))
        )
        frame, problems = canonical_frame(
            raw,
            dataset_id=spec.id,
            vintage=dataset_file.vintage,
            source_file=dataset_file.path,
            indicator_id=indicator_of,
            convention=convention,
            unit=spec.unit,
            measure=spec.measure,
            period_map=period_map,
        )
        frame["geography_label"] = raw["geography_label"].values
        for problem in problems:
            issues.append(
                Issue(
                    spec.id,
                    dataset_file.path,
                    problem["line"],
                    problem["column"],
                    problem["rule"],
                    problem["detail"],
                )
            )
        return frame, issues


def _drop_identical_duplicates(frame: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Rows published twice with identical values under two geography labels (one area listed
    as, say, a county and a unitary authority) are kept once; a row repeated under the same
    label, and duplicates whose values conflict, are left for validation to refuse."""
    values = [*KEY_COLUMNS, "value", "lower_ci", "upper_ci"]
    same = frame.duplicated(values, keep="first") & ~frame.duplicated(
        [*values, "geography_label"], keep=False
    )
    if same.any():
        for source_file, group in frame.loc[same].groupby("source_file"):
            report.dropped.append(
                {
                    "file": source_file,
                    "lines": group["source_row"].tolist(),
                    "reason": "identical duplicate of an earlier row (same area listed twice)",
                }
            )
        frame = frame.loc[~same].reset_index(drop=True)
    return frame


def _history_month(label: str) -> str:
    """Connectivity versions label the Ofcom reference month as YYYY-MM, YYYY-MM-15 or YYYY-MM-01."""
    match = _HISTORY_MONTH.match(label)
    return f"{match.group(1)}-{match.group(2)}" if match else label


def _latest_version_per_period(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each period, the rows of the last published version (files sort by commit date)."""
    if frame.empty:
        return frame
    latest = frame.groupby("period")["source_file"].transform(
        "max"
    )  # names start with the commit date
    return frame[frame["source_file"] == latest].reset_index(drop=True)
