"""The publication build: ``levelup build`` from pinned data to ``_output/<edition>/``.

Steps (each timed in ``build.json``):

1. **verify** every pinned input (:meth:`DataStore.fetch`; stamps make this ~0.1 s when nothing
   changed);
2. **notebooks**: every ``analysis/missions/*.ipynb``, ``analysis/capitals/*.ipynb`` and
   ``analysis/editions/*.ipynb`` (but what-changed) with the edition's parameters injected,
   through the content-addressed cache (:mod:`levelup.report.nbcache`); misses run in parallel
   on warm kernels
   (:mod:`levelup.report.kernels`);
3. **findings**: every notebook's findings merged into ``findings.csv``/``findings.json`` and
   Quarto's ``_variables.yml``; then ``analysis/editions/what-changed.ipynb`` and
   ``analysis/editions/summary.ipynb`` run on this edition's findings and the previous edition's
   published ones (its record, ``editions/<previous>/``: :mod:`levelup.report.record`) and their
   own findings are merged in;
4. **render**: the built-in engine (pandoc + Typst), or Quarto on request (``--engine quarto``;
   ``auto`` picks Quarto when installed), which renders ``_output/stage/<edition>/``; either way the
   build leaves that staged Quarto project behind (:mod:`levelup.report.render.quarto`);
5. **publish**: everything is assembled in a temporary sibling of ``_output/<edition>/`` and swapped
   in atomically, so a failed or partial build never replaces a good output; when the result is
   identical to what is there (a no-op rebuild) the existing output is left untouched.

An edition with a published record is compared with it after the build: every difference is
reported (``BuildResult.record``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import fcntl
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from levelup.paths import PROVENANCE_PAGE, SITE_TREE
from levelup.report.execute import (
    Executor,
    JobResult,
    NotebookFailure,
    NotebookJob,
    imported_modules,
    parameter_names,
)
from levelup.report.nbcache import (
    KeyContext,
    NotebookCache,
    _digest,
    data_config_sha256,
    library_version,
    lockfile_sha256,
    sha256_bytes,
    sha256_path,
)
from levelup.report.publish import (
    BUILD_RECORD,
    CHECKSUMS,
    OutputDiff,
    PublishedEditionError,
    clean_stale_staging,
    diff_checksums,
    discard,
    file_checksums,
    intact,
    read_checksums,
    read_published,
    staging,
    swap_into_place,
    write_checksums,
)
from levelup.report.record import (
    RecordComparison,
    RecordError,
    compare_with_record,
    has_record,
    previous_findings,
    record_dir,
)
from levelup.report.site_tree import EDITIONS_PAGE, assemble_site_tree, switcher_editions
from levelup.safe_output import neutralise, neutralise_row, restore_row

#: Files of the edition's data-change report (``data/changes/<edition>/``) published in the site's
#: ``data/`` folder (under these names), where chapters/what-changed.qmd links them. The report is
#: published as plain text: a chapter's link to a ``.md`` file is read as a link to a chapter.
SITE_DOWNLOADS = {"data-changes.md": "data-changes.txt", "revisions.csv": "revisions.csv"}
NOTEBOOK_DIRS = ("analysis/missions", "analysis/capitals", "analysis/areas", "analysis/editions")
WHAT_CHANGED = "analysis/editions/what-changed.ipynb"
#: The headline statuses of the missions (glance table, executive summary), read from the findings
#: of every other notebook: runs with what-changed, after them.
SUMMARY = "analysis/editions/summary.ipynb"
POST_NOTEBOOKS = (WHAT_CHANGED, SUMMARY)
FORMATS = ("html", "pdf")


class BuildError(RuntimeError):
    """A known build failure, printed without a traceback."""


class ParameterError(BuildError):
    """A ``-P name=value`` override that no notebook can take (a usage error)."""


#: Notebook parameters the build sets itself from data/editions.toml and its own paths.
BUILD_PARAMETERS = frozenset(
    {
        "edition",
        "data_vintage",
        "boundary_year",
        "output_dir",
        "previous_edition",
        "findings_path",
        "previous_findings_path",
        "data_changes_path",
    }
)


def parse_parameter(text: str) -> tuple[str, Any]:
    """``name=value`` (or Quarto's ``name:value``) as (name, value), the value read as a YAML
    scalar (``2030`` an int, ``true`` a bool, ``2019-20`` a string, a date as ISO text)."""
    import datetime

    import yaml

    sep = "=" if "=" in text else ":"
    name, found, raw = text.partition(sep)
    name = name.strip()
    if not found or not name.isidentifier():
        raise ParameterError(f"-P {text!r}: write -P name=value (e.g. -P target_year=2030)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ParameterError(f"-P {text!r}: the value is not YAML ({exc.problem})") from None
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if isinstance(value, dict | list):
        raise ParameterError(f"-P {text!r}: the value must be a single number, text or boolean")
    return name, value


class NotebooksFailed(BuildError):
    def __init__(self, failures: list[NotebookFailure]):
        self.failures = failures
        text = "\n\n".join(f.describe() for f in failures)
        super().__init__(
            f"{len(failures)} notebook(s) failed; nothing was published "
            f"(the other notebooks' results are cached):\n\n{text}"
        )


@dataclass
class BuildOptions:
    project_dir: Path | None = None
    edition: str | None = None
    engine: str = "builtin"
    jobs: int | None = None
    force: bool = False
    formats: tuple[str, ...] = FORMATS
    cache_dir: Path | None = None
    output_root: Path | None = None
    mirror: Path | None = None
    keep_kernels: float = 600.0
    # notebook parameter overrides (``-P name=value``), for the edition's own notebooks
    parameters: dict[str, Any] = field(default_factory=dict)
    cell_timeout: int = 1800
    verify_data: bool = True


@dataclass
class BuildResult:
    edition: str
    output_dir: Path
    status: str  # "built", "unchanged"
    engine: str = ""
    notebooks: list[JobResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    diff: OutputDiff | None = None
    findings_changes: list[str] = field(default_factory=list)
    replaced_published: dict | None = None
    kernels: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rendered: bool = False  # False: the inputs matched the last build's, nothing was rendered
    record: RecordComparison | None = None  # against the edition's published record, if any

    def count(self, status: str, edition: str | None = None) -> int:
        return sum(
            1
            for r in self.notebooks
            if r.status == status and (edition is None or r.job.edition == edition)
        )


# ---------------------------------------------------------------------------------- project
@dataclass
class Project:
    root: Path
    cache_dir: Path
    output_root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def build_cache(self) -> Path:
        return self.cache_dir / "build"

    def notebooks(self) -> list[str]:
        found = []
        for folder in NOTEBOOK_DIRS:
            found += sorted(
                p.relative_to(self.root).as_posix()
                for p in (self.root / folder).glob("*.ipynb")
                if not p.name.startswith((".", "_"))
            )
        # what-changed and summary run last, apart, on the other notebooks' findings
        return [rel for rel in found if rel not in POST_NOTEBOOKS]

    def work(self, edition: str) -> Path:
        return self.build_cache / "work" / str(edition)

    @classmethod
    def from_options(cls, opts: BuildOptions) -> Project:
        from levelup.paths import PROJECT_ROOT

        root = Path(opts.project_dir or PROJECT_ROOT).resolve()
        if opts.cache_dir:
            cache = Path(opts.cache_dir).resolve()
        elif os.environ.get("LEVELUP_CACHE"):
            cache = Path(os.environ["LEVELUP_CACHE"]).resolve()
        else:
            cache = root / ".levelup-cache"
        out = Path(opts.output_root).resolve() if opts.output_root else root / "_output"
        return cls(root, cache, out)


# ---------------------------------------------------------------------------------- UI
class BuildUI:
    """Progress reporting; the default prints nothing."""

    interactive = False

    def step(self, name: str) -> None: ...
    def done(self, message: str) -> None: ...
    def info(self, message: str) -> None: ...
    def notebooks_start(self, total: int) -> None: ...
    def notebook(self, event: str, item) -> None: ...
    def notebooks_end(self) -> None: ...


class ConsoleUI(BuildUI):
    """Rich progress: one line per step, per-notebook status (cached / ran in Xs / failed)."""

    def __init__(self, console=None, verbose: bool = False):
        from levelup.console import console as default

        self.console = console or default
        self.interactive = self.console.is_terminal
        self.verbose = verbose
        self._progress = None
        self._task = None
        self._t = time.perf_counter()
        self._n = 0

    def step(self, name: str) -> None:
        self._n += 1
        self._t = time.perf_counter()
        self._name = name

    def done(self, message: str) -> None:
        dt = time.perf_counter() - self._t
        self.console.print(f"[green]✓[/green] {message} [dim]({dt:.2f}s)[/dim]")

    def info(self, message: str) -> None:
        self.console.print(f"  {message}")

    def notebooks_start(self, total: int) -> None:
        if total and self.interactive:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("  executing notebooks"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("starting kernels", total=total)

    def notebook(self, event: str, item) -> None:
        if event == "start" and self._progress is not None:
            self._progress.update(self._task, description=Path(item.rel).stem)
        elif event == "done":
            r: JobResult = item
            if r.status == "failed":
                self.console.print(f"  [red]✗ {r.job.label} failed[/red] after {r.seconds:.1f}s")
            else:
                self.console.print(f"  [green]✓[/green] {r.job.label} ran in {r.seconds:.2f}s")
            if self._progress is not None:
                self._progress.advance(self._task)
        elif event == "cached":
            stems = ", ".join(Path(j.rel).stem for j in item)
            eds = sorted({j.edition for j in item})
            self.console.print(
                f"  [dim]· cached ({len(item)}, edition {'/'.join(eds)}): {stems}[/dim]"
            )

    def notebooks_end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


# ---------------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def build_lock(path: Path, ui: BuildUI) -> Iterator[None]:
    """One build at a time per cache directory (they share run directories and kernels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            ui.info(f"waiting for another build ({handle.read().strip() or 'unknown'}) to finish…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def git_info(root: Path) -> tuple[str, str, bool | None]:
    """(commit, short commit, dirty) of the checkout holding ``root``; ("", "", None) outside git."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        short = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain"))
    except (OSError, subprocess.SubprocessError):
        return "", "", None
    return commit, short, dirty


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date().isoformat()
        except ValueError:
            raise BuildError(f"SOURCE_DATE_EPOCH={epoch!r} is not an integer") from None
    return _dt.datetime.now(_dt.UTC).date().isoformat()


#: Packages every kernel imports; compiled with the environment by ``make env``.
_KERNEL_PACKAGES = ("pandas", "scipy", "matplotlib", "statsmodels")


def installed_bytecode() -> bool:
    """The environment was installed with its bytecode (``uv sync --compile-bytecode``, as
    ``make env`` does): kernels then read it in place. Sending them to an empty bytecode cache
    instead would make the first build's kernels compile every package from source (about
    12 s of CPU each, measured)."""
    import importlib.util

    for name in _KERNEL_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        if not Path(importlib.util.cache_from_source(spec.origin)).exists():
            return False
    return True


def _durations_path(project: Project) -> Path:
    return project.build_cache / "durations.json"


def _load_durations(project: Project) -> dict[str, float]:
    try:
        return json.loads(_durations_path(project).read_text())
    except (OSError, ValueError):
        return {}


def _save_durations(project: Project, durations: dict[str, float]) -> None:
    path = _durations_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(durations, indent=1, sort_keys=True))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------- findings
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
_NUMERIC = ("value", "lower", "upper")


def _canonical_number(text: str) -> str:
    """As ``levelup.findings.table.write_findings_csv`` writes a float: repr, NaN as empty."""
    text = text.strip()
    if not text:
        return ""
    try:
        number = float(text)
    except ValueError:
        raise BuildError(f"findings value {text!r} is not a number") from None
    return "" if math.isnan(number) else repr(number)


def _json_number(text: str | None) -> float | None:
    """A findings number for JSON: NaN and infinities (not JSON) become null (the CSV keeps them)."""
    if not text:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def merge_findings_rows(sources: dict[str, Path]) -> tuple[list[str], list[dict[str, str]]]:
    """All notebooks' findings rows, keys checked, sorted by key; the CSV's columns.

    Equivalent to ``levelup.findings.table.merge_findings`` + ``write_findings_csv`` (a test
    checks that the bytes agree) but with the standard library only: the build process never
    imports pandas (or, through the findings module, scipy) just to concatenate CSV files.
    """
    columns: list[str] = []
    rows: list[dict[str, str]] = []
    where: dict[str, str] = {}
    for name, path in sorted(sources.items()):
        with Path(path).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for column in reader.fieldnames or []:
                if column not in columns:
                    columns.append(column)
            for row in map(restore_row, reader):
                key = row.get("key", "")
                if not _KEY.match(key):
                    raise BuildError(f"{name}: finding key {key!r} must be dotted lower-case words")
                if key in where:
                    raise BuildError(
                        f"finding key {key} is written by both {where[key]} and {name}: keys must be unique"
                    )
                where[key] = name
                for column in _NUMERIC:
                    if column in row and row[column] is not None:
                        row[column] = _canonical_number(row[column])
                rows.append(row)
    keys = sorted(where)
    parents = [a for a, b in zip(keys, keys[1:], strict=False) if b.startswith(a + ".")]
    if parents:
        raise BuildError(
            f"finding key(s) {parents[:10]} are both a value and the parent of other keys "
            f"(written by {', '.join(sorted({where[k] for k in parents}))})"
        )
    rows.sort(key=lambda r: r["key"])
    return columns, rows


def variables_from_rows(rows: list[dict[str, str]]) -> dict:
    """Quarto's ``_variables.yml`` tree: ``m07.hle.gap`` -> ``{m07: {hle: {gap: display}}}``."""
    tree: dict = {}
    for row in rows:
        node = tree
        parts = row["key"].split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = row.get("display", "")
    return tree


def merge_findings_files(
    sources: dict[str, Path], out_dir: Path, cache_root: Path, extra_variables: dict
) -> dict:
    """Merge notebooks' findings CSVs into ``findings.csv``/``.json`` and ``_variables.yml``.

    Cached by the content of the inputs. Returns the variables mapping (for the renderer).
    """
    key = _digest(
        {
            "v": "2",
            "library": library_version(),
            "sources": sorted((name, sha256_path(path)) for name, path in sources.items()),
            "extra": extra_variables,
        }
    )
    cached = cache_root / key[:2] / key
    names = ("findings.csv", "findings.json", "_variables.yml", "variables.json")
    if not all((cached / n).exists() for n in names):
        import yaml

        columns, rows = merge_findings_rows(sources)
        tmp = cached.with_name(f".{key}.tmp-{os.getpid()}")
        discard(tmp)
        tmp.mkdir(parents=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(map(neutralise_row, rows))
        (tmp / "findings.csv").write_text(buffer.getvalue(), encoding="utf-8")
        records = [
            {c: _json_number(r.get(c)) if c in _NUMERIC else r.get(c, "") for c in columns}
            for r in rows
        ]
        (tmp / "findings.json").write_text(
            json.dumps(records, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        tree = variables_from_rows(rows)
        for name, value in extra_variables.items():
            if name in tree:
                raise BuildError(f"finding key {name!r} clashes with a build variable")
            tree[name] = value
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, 4x faster
        (tmp / "_variables.yml").write_text(
            yaml.dump(tree, Dumper=dumper, sort_keys=True, allow_unicode=True), encoding="utf-8"
        )
        (tmp / "variables.json").write_text(json.dumps(tree, sort_keys=True, ensure_ascii=False))
        discard(cached)
        os.replace(tmp, cached)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(cached / name, out_dir / name)
    return json.loads((cached / "variables.json").read_text())


def _load_manifest(path: Path, cache: Path):
    """``Manifest.load`` memoised by the file's content (parsing 300+ pins in TOML takes ~0.1 s,
    a fifth of a no-op build)."""
    import pickle

    from levelup.data.sources import Manifest

    data = path.read_bytes()
    memo = cache / "manifests" / f"{sha256_bytes(data)}-{library_version()[:16]}.pkl"
    try:
        with memo.open("rb") as handle:
            manifest = pickle.load(handle)
        manifest.path = path
        return manifest
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    manifest = Manifest.load(path)
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(f".tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        pickle.dump(manifest, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, memo)
    return manifest


# ---------------------------------------------------------------------------------- the build
class Builder:
    """One build of one edition (see the module docstring); use :func:`build`."""

    def __init__(self, opts: BuildOptions, ui: BuildUI | None = None):
        from levelup.data.catalogue import Catalogue

        self.opts = opts
        self.ui = ui or BuildUI()
        self.project = Project.from_options(opts)
        self.timings: dict[str, float] = {}
        sources = self.project.data_dir / "sources.toml"
        if not sources.exists():
            raise BuildError(
                f"no data manifest at {sources}: is {self.project.root} a levelup project?"
            )
        self.manifest = _load_manifest(sources, self.project.build_cache)
        self.catalogue = Catalogue(self.manifest, data_dir=self.project.data_dir)
        self.edition = (
            self.catalogue.edition(opts.edition) if opts.edition else self.catalogue.latest_edition
        )
        self.year = self.edition.year
        self.previous = self.edition.previous or ""
        if self.previous and self.previous not in self.catalogue.editions:
            raise BuildError(
                f"edition {self.year} names previous edition {self.previous!r}, which is not in data/editions.toml"
            )
        self.final = self.project.output_root / self.year
        self.cache = NotebookCache(self.project.build_cache / "notebooks")
        self.results: list[JobResult] = []
        self.executor: Executor | None = None
        self._kernel_stats: dict = {}
        self.fingerprint = ""
        self.formats = tuple(opts.formats)
        unknown = set(self.formats) - set(FORMATS)
        if unknown or not self.formats:
            raise BuildError(f"unknown output formats {sorted(unknown)}; choose from html, pdf")
        self.declared = self._declared_parameters() if opts.parameters else {}

    def _declared_parameters(self) -> dict[str, set[str]]:
        """For each notebook, the parameters its ``parameters`` cell declares; raises
        ParameterError for an override that the build sets itself or that no notebook takes."""
        declared = {
            rel: set(parameter_names(json.loads((self.project.root / rel).read_text("utf-8"))))
            for rel in self.project.notebooks()
        }
        for name in self.opts.parameters:
            if name in BUILD_PARAMETERS:
                raise ParameterError(
                    f"-P {name}: set by the build from data/editions.toml; choose the edition "
                    "with --edition instead"
                )
            if not any(name in names for names in declared.values()):
                known = sorted(set().union(*declared.values()) - BUILD_PARAMETERS)
                raise ParameterError(
                    f"-P {name}: no notebook has a parameter {name!r}; parameters: "
                    + ", ".join(known)
                )
        return declared

    # ------------------------------------------------------------------ helpers
    def _lap(self, name: str, t0: float) -> None:
        self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 4)

    def _mirror(self) -> Path | None:
        from levelup.paths import default_mirror

        if self.opts.mirror:
            return Path(self.opts.mirror).resolve()
        return default_mirror(self.project.root)

    def kernel_env(self) -> dict[str, str]:
        env = {
            "LEVELUP_PROJECT_ROOT": str(self.project.root),
            "LEVELUP_CACHE": str(self.project.cache_dir),
        }
        mirror = self._mirror()
        if mirror is not None:
            env["LEVELUP_DATA_MIRROR"] = str(mirror)
        if (
            os.environ.get("PYTHONDONTWRITEBYTECODE")
            and not os.environ.get("PYTHONPYCACHEPREFIX")
            and not installed_bytecode()
        ):
            # Without bytecode every kernel would compile pandas, scipy... from source at each
            # start (seconds); keep the bytecode in the cache instead, away from the sources.
            xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            env["PYTHONPYCACHEPREFIX"] = str(Path(xdg) / "levelup" / "pycache")
            env["PYTHONDONTWRITEBYTECODE"] = ""
        return env

    def kernel_fingerprint(self) -> str:
        return _digest(
            {
                "python": sys.executable,
                "version": sys.version,
                "library": library_version(),
                "lockfile": self.ctx.lockfile,
                "data_config": self.ctx.data_config,
                "manifest": self.manifest.sha256,
                "env": self.kernel_env(),
            }
        )

    def job(self, rel: str, edition) -> NotebookJob:
        out = self.project.build_cache / "runs" / edition.year / Path(rel).stem
        parameters = {
            "edition": edition.year,
            "data_vintage": edition.els_vintage,
            "boundary_year": int(edition.boundaries),
            "output_dir": str(out / "out"),
        }
        if edition.year == self.year:  # overrides apply to this edition's notebooks only
            parameters.update(
                {k: v for k, v in self.opts.parameters.items() if k in self.declared.get(rel, ())}
            )
        key_parameters = {k: v for k, v in parameters.items() if k != "output_dir"}
        return NotebookJob(
            source=self.project.root / rel,
            rel=rel,
            edition=edition.year,
            parameters=parameters,
            key_parameters=key_parameters,
            run_dir=out,
        )

    # ------------------------------------------------------------------ execution
    def _close_executor(self) -> None:
        if self.executor is not None:
            try:
                self.executor.close()
            finally:
                self._kernel_stats = dict(self.executor.stats)
                self.executor = None

    def _executor(self) -> Executor:
        if self.executor is None:
            from levelup.report.kernels import KernelPool

            jobs = self.opts.jobs or os.cpu_count() or 2
            fingerprint = self.kernel_fingerprint()
            env = self.kernel_env()

            def factory():
                return KernelPool(
                    jobs,
                    self.project.build_cache / "kernels",
                    env,
                    fingerprint,
                    keep_seconds=self.opts.keep_kernels,
                    cwd=self.project.root,
                )

            epoch = os.environ.get("SOURCE_DATE_EPOCH")
            self.executor = Executor(
                factory,
                self.cache,
                env={"SOURCE_DATE_EPOCH": epoch} if epoch else {},
                unset=[] if epoch else ["SOURCE_DATE_EPOCH"],
                failed_dir=self.project.build_cache / "failed",
                cell_timeout=self.opts.cell_timeout,
                reporter=self.ui.notebook,
            )
        return self.executor

    def execute(self, jobs: list[NotebookJob]) -> list[JobResult]:
        """Cache lookups, then the misses on the kernel pool (longest first)."""
        pins = {p.path: p.sha256 for p in self.manifest}
        results: dict[int, JobResult] = {}
        misses: list[tuple[int, NotebookJob]] = []
        cached: list[NotebookJob] = []
        for i, job in enumerate(jobs):
            if not job.source.exists():
                raise BuildError(f"notebook {job.rel} does not exist")
            try:
                job.compute_key(self.ctx)
            except ValueError as exc:
                raise BuildError(f"{job.rel} is not a readable notebook: {exc}") from None
            entry = self.cache.lookup(job.static_key, pins)
            if entry is not None:
                self.cache.touch(entry)
                results[i] = JobResult(job, "cached", entry.seconds, entry=entry)
                cached.append(job)
            else:
                misses.append((i, job))
        if cached:
            self.ui.notebook("cached", cached)
        if misses:
            durations = _load_durations(self.project)
            # longest first; notebooks never timed here (a fresh clone) first, largest first
            order = sorted(
                misses,
                key=lambda m: (
                    -durations.get(f"{m[1].edition}:{m[1].rel}", math.inf),
                    -m[1].source.stat().st_size,
                ),
            )
            self.ui.notebooks_start(len(order))
            try:
                ran = self._executor().run(
                    [job for _, job in order], imported_modules(job.load() for _, job in order)
                )
            finally:
                self.ui.notebooks_end()
            for (i, _), result in zip(order, ran, strict=True):
                results[i] = result
                if result.status == "ran":
                    durations[f"{result.job.edition}:{result.job.rel}"] = round(result.seconds, 3)
            _save_durations(self.project, durations)
            self.cache.prune(older_than_days=30)
        out = [results[i] for i in range(len(jobs))]
        self.results.extend(out)
        failures = [r.failure for r in out if r.status == "failed" and r.failure is not None]
        if failures:
            raise NotebooksFailed(failures)
        return out

    # ------------------------------------------------------------------ steps
    def run(self) -> BuildResult:
        t_start = time.perf_counter()
        published = read_published(self.final)
        if published is not None and not self.opts.force:
            raise PublishedEditionError(
                f"edition {self.year} is published ({self.final / 'PUBLISHED'}: checksums "
                f"{str(published.get('checksums_sha256', '?'))[:12]}…, commit "
                f"{str(published.get('commit', '?'))[:12]}); published editions are immutable. "
                f"Use --force to rebuild it anyway (the differences are listed)."
            )
        with build_lock(self.project.build_cache / "build.lock", self.ui):
            clean_stale_staging(self.final)  # left by a killed build, even if this one is a no-op
            try:
                result = self._run(published)
                if has_record(self.project.root, self.year):
                    # a rebuild of a published edition checks that it still reproduces
                    result.record = compare_with_record(
                        self.final, record_dir(self.project.root, self.year)
                    )
                tree = self.project.output_root / SITE_TREE
                if result.status != "unchanged" or not (tree / self.year).is_dir():
                    # a no-op build left the edition, and so the tree it made, untouched
                    self._assemble_site_tree()
            except KeyboardInterrupt:
                if self.executor is not None:  # kill the kernels now, mid-notebook or not
                    self.executor.kill()
                    self.executor = None
                raise
            finally:
                self._close_executor()
        result.timings = {**self.timings, "total": round(time.perf_counter() - t_start, 4)}
        return result

    def _run(self, published: dict | None) -> BuildResult:
        ui = self.ui
        # 1. data ---------------------------------------------------------------------------
        t0 = time.perf_counter()
        ui.step("verify")
        if self.opts.verify_data:
            from levelup.data.fetch import DataStore

            store = DataStore(
                self.manifest, mirror=self._mirror(), cache_dir=self.project.cache_dir
            )
            report = store.fetch(progress=ui.interactive)
            ui.done(f"verified {len(report.verified)} pinned input files")
        self.ctx = KeyContext(
            library=library_version(),
            lockfile=lockfile_sha256(self.project.root),
            data_config=data_config_sha256(self.project.data_dir, self.manifest),
            python=sys.version,
        )
        self._lap("verify", t0)

        # 2. notebooks ------------------------------------------------------------------------
        t0 = time.perf_counter()
        ui.step("notebooks")
        notebooks = self.project.notebooks()
        if not notebooks:
            raise BuildError(f"no notebooks in {', '.join(NOTEBOOK_DIRS)} of {self.project.root}")
        prev_findings = None
        if self.previous:  # what changed since the previous edition as it was published
            try:
                prev_findings = previous_findings(self.project.root, self.year, self.previous)
            except RecordError as exc:
                raise BuildError(str(exc)) from None
        jobs = [self.job(rel, self.edition) for rel in notebooks]
        this = self.execute(jobs)
        ran = sum(r.status == "ran" for r in this)
        ui.done(f"notebooks: {ran} ran, {len(this) - ran} cached")
        self._lap("notebooks", t0)

        # 3. findings and what changed --------------------------------------------------------
        t0 = time.perf_counter()
        ui.step("findings")
        work = self.project.work(self.year)
        extra_vars = {
            "edition": self.year,
            "previous-edition": self.previous,
            "data-vintage": self.edition.els_vintage,
            "boundary-year": str(self.edition.boundaries),
        }
        nb_sources = {r.job.stem: r.entry.findings(r.job.stem) for r in this}
        missing = [stem for stem, path in nb_sources.items() if not path.exists()]
        if missing:
            raise BuildError(
                "notebook(s) wrote no findings (<output_dir>/findings/<notebook>.csv; end with "
                f"nb.finish() / Findings.save()): {', '.join(missing)}"
            )
        merge_findings_files(
            nb_sources, work / "notebooks", self.project.build_cache / "findings", {}
        )
        self._lap("findings", t0)
        executed = {r.job.rel: r.entry.executed for r in this}
        entries = [r.entry for r in this]
        post = [rel for rel in POST_NOTEBOOKS if (self.project.root / rel).exists()]
        if post:
            t1 = time.perf_counter()
            post_jobs = [
                self._post_job(rel, work / "notebooks" / "findings.csv", prev_findings)
                for rel in post
            ]
            for job, post_result in zip(post_jobs, self.execute(post_jobs), strict=True):
                if post_result.status == "ran" and job.rel == WHAT_CHANGED:
                    ui.done(f"what changed since {self.previous or 'nothing (first edition)'}")
                nb_sources[job.stem] = post_result.entry.findings(job.stem)
                if not nb_sources[job.stem].exists():
                    del nb_sources[job.stem]
                executed[job.rel] = post_result.entry.executed
                entries.append(post_result.entry)
            self._lap("what-changed", t1)
        t0 = time.perf_counter()
        variables = merge_findings_files(
            nb_sources, work / "final", self.project.build_cache / "findings", extra_vars
        )
        self._lap("findings", t0)
        ui.done("findings merged into findings.csv, findings.json and _variables.yml")
        self._close_executor()  # release the kernels before rendering

        # 4. render into a temporary sibling ---------------------------------------------------
        t0 = time.perf_counter()
        ui.step("render")
        from levelup.report.render import choose_engine
        from levelup.report.render.quarto import explain_engine, stage_dir

        engine = choose_engine(self.opts.engine)
        ui.done(explain_engine(self.opts.engine, engine))
        meta = self.site_meta()
        self.fingerprint = self._fingerprint(engine, meta, entries, work / "final")
        if self._up_to_date(self.fingerprint):
            if not stage_dir(self.project.output_root, self.year).is_dir():
                self._stage(executed, meta)
            self._lap("render", t0)
            ui.done(f"{self.final} is up to date (same inputs as its build; left untouched)")
            result = BuildResult(self.year, self.final, "unchanged", engine=engine)
            result.notebooks = self.results
            result.kernels = dict(self._kernel_stats)
            return result
        figure_data = self._figure_data(entries, work / "figure-data")
        with staging(self.final) as tmp:
            render = self._render(
                engine, tmp, executed, variables, figure_data, meta, self._area_profiles(entries)
            )
            self._lap("render", t0)
            ui.done(
                f"rendered {', '.join(self.formats).upper()} with the {engine} engine"
                + (
                    f" ({len(render.rendered_pages)} of {len(render.chapters)} pages re-rendered)"
                    if render.chapters
                    else ""
                )
            )
            # 5. publish ----------------------------------------------------------------------
            t0 = time.perf_counter()
            ui.step("publish")
            result = self._publish(tmp, work, entries, render, engine, meta, published)
            self._lap("publish", t0)
        return result

    def _fingerprint(self, engine: str, meta: dict, entries, final_findings: Path) -> str:
        """Everything the published output is made of: when it matches the fingerprint recorded
        in ``_output/<edition>/build.json``, nothing needs rendering or publishing."""
        changes = self._data_changes()
        revisions = changes / "revisions.csv" if changes else None
        return _digest(
            {
                "v": "1",
                "edition": self.year,
                "engine": engine,
                "formats": list(self.formats),
                "site_meta": meta,
                "library": self.ctx.library,
                "templates": renderer_templates_digest(),
                "manifest": self.manifest.sha256,
                "notebooks": sorted(entry.id for entry in entries),
                "findings": [
                    sha256_path(final_findings / n) for n in ("findings.csv", "_variables.yml")
                ],
                "book": book_sources_digest(self.project.root),
                "revisions": sha256_path(revisions) if revisions and revisions.is_file() else "",
            }
        )

    def _fingerprint_record(self) -> Path:
        return self.project.build_cache / "fingerprints" / f"{self.year}.json"

    def _up_to_date(self, fingerprint: str) -> bool:
        """The output was made (or verified identical) from exactly these inputs and is intact.

        The record lives in the cache, not in the output, so a published edition is never
        touched; it names the output's checksum manifest, so an output replaced by other means
        (another cache, a copy) is not mistaken for this one.
        """
        try:
            record = json.loads(self._fingerprint_record().read_text())
        except (OSError, ValueError):
            return False
        sums = read_checksums(self.final)
        return (
            record.get("fingerprint") == fingerprint
            and record.get("output") == str(self.final)
            and sums is not None
            and record.get("checksums_sha256") == sha256_path(self.final / CHECKSUMS)
            and intact(self.final, sums)
        )

    def _remember(self) -> None:
        path = self._fingerprint_record()
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "fingerprint": self.fingerprint,
            "output": str(self.final),
            "checksums_sha256": sha256_path(self.final / CHECKSUMS),
        }
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, path)

    def _post_job(self, rel: str, findings: Path, previous: Path | None) -> NotebookJob:
        """A notebook run after all others on the edition's (and the previous edition's)
        findings: what-changed (also given the data-change report) or summary."""
        job = self.job(rel, self.edition)
        job.parameters = {
            "edition": self.year,
            "previous_edition": self.previous,
            "findings_path": str(findings),
            "previous_findings_path": str(previous) if previous else "",
            "output_dir": job.parameters["output_dir"],
        }
        job.key_parameters = {"edition": self.year, "previous_edition": self.previous}
        job.inputs = {
            "findings": sha256_path(findings),
            "previous_findings": sha256_path(previous) if previous else "",
        }
        if rel == WHAT_CHANGED:  # also reads the reviewed data-change report
            changes = self._data_changes()
            job.parameters["data_changes_path"] = str(changes) if changes else ""
            job.inputs["data_changes"] = (
                _digest(
                    sorted(
                        [p.relative_to(changes).as_posix(), sha256_path(p)]
                        for p in changes.rglob("*")
                        if p.is_file()
                    )
                )
                if changes
                else ""
            )
        return job

    def _data_changes(self) -> Path | None:
        """The edition's reviewed data-change report (``data/changes/<edition>/``, written by
        ``levelup edition changes``), when there is one."""
        candidate = self.project.data_dir / "changes" / self.year
        return candidate if candidate.is_dir() else None

    def _figure_data(self, entries, target: Path) -> Path:
        discard(target)
        target.mkdir(parents=True)
        owner: dict[str, str] = {}
        for entry in entries:
            folder = entry.out / "figure-data"
            for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
                if path.name in owner:
                    raise BuildError(
                        f"figure data {path.name} is written by both {owner[path.name]} and "
                        f"{entry.meta.get('notebook')}: figure labels must be unique in the book"
                    )
                owner[path.name] = entry.meta.get("notebook", "")
                try:
                    os.link(path, target / path.name)
                except OSError:
                    shutil.copy2(path, target / path.name)
        return target

    def _assemble_site_tree(self) -> None:
        """Every built edition's site under ``_output/site/`` (:mod:`levelup.report.site_tree`)."""
        from levelup.report.render.config import load_book_config

        titles = {ed: self.catalogue.edition(ed).title for ed in self.catalogue.editions}
        title = load_book_config(self.project.root, self.year).title
        tree = assemble_site_tree(self.project.output_root, titles, title)
        if tree is not None:
            self.ui.done(f"site tree of every built edition: {tree}")

    def site_meta(self) -> dict:
        from levelup import __version__

        commit, short, dirty = git_info(self.project.root)
        if dirty is None:
            version = f"{__version__}+uncommitted"
        else:
            version = f"{__version__}+{'uncommitted' if dirty else short}"
        editions = switcher_editions(
            self.catalogue.editions, self.year, self.project.root, self.project.output_root
        )
        meta = {
            "edition": self.year,
            "version": version,
            "commit": commit,
            "lockfile_sha256": self.ctx.lockfile,
            "data_manifest_sha256": self.manifest.sha256,
            "build_date": build_date(),
            "editions": editions,
            "editions_page": f"../{EDITIONS_PAGE}",  # the site tree's page of every edition
            "provenance_page": PROVENANCE_PAGE,
        }
        return meta

    @staticmethod
    def _area_profiles(entries) -> Path | None:
        """The profiles notebook's table of every area (``<out>/area-profiles/``), if it ran."""
        for entry in entries:
            folder = entry.out / "area-profiles"
            if (folder / "profiles.csv").is_file():
                return folder
        return None

    def _render(self, engine, tmp, executed, variables, figure_data, meta, area_profiles=None):
        executed_paths = {Path(rel): path for rel, path in executed.items()}
        if engine == "builtin":
            from levelup.report.render import render_book
            from levelup.report.render.typst_worker import TypstWorker

            # the PDF compiler is kept alive with the kernels: recompiling after an edit is
            # incremental (see levelup.report.render.typst_worker)
            worker = (
                TypstWorker(self.project.build_cache / "render", self.opts.keep_kernels)
                if self.opts.keep_kernels > 0
                else None
            )
            result = render_book(
                self.project.root,
                self.year,
                executed_paths,
                variables,
                tmp,
                figure_data_dir=figure_data,
                site_meta=meta,
                formats=self.formats,
                cache_dir=self.project.build_cache / "render",
                pdf_compiler=worker.compile if worker is not None else None,
                area_profiles_dir=area_profiles,
            )
            self._stage(executed, meta)
            return result
        from levelup.report.render import RenderError, check_book, render_with_quarto

        # Quarto publishes a shortcode it cannot parse as raw text: refuse it first, as the
        # built-in engine does
        malformed = [
            p
            for p in check_book(self.project.root, self.year, variables)
            if p.message.startswith("malformed shortcode")
        ]
        if malformed:
            raise RenderError(malformed)
        result = render_with_quarto(
            self.project.root,
            self.year,
            executed_paths,
            self.project.work(self.year) / "final" / "_variables.yml",
            tmp,
            site_meta=meta,
            formats=self.formats,
        )
        site = tmp / "site"
        if site.is_dir():  # the built-in engine puts these in the site itself
            data = site / "data"
            for path in sorted(figure_data.glob("*.csv")):
                data.mkdir(exist_ok=True)
                shutil.copy2(path, data / path.name)
            if result.pdf_path is not None and not (site / result.pdf_path.name).exists():
                shutil.copy2(result.pdf_path, site / result.pdf_path.name)
        return result

    def _stage(self, executed, meta) -> None:
        """Leave ``_output/stage/<edition>/``, where plain ``quarto render`` / ``quarto preview`` work
        (``levelup.report.render.quarto``); the Quarto engine renders there itself."""
        from levelup.report.render.quarto import stage_dir, stage_sources

        stage_sources(
            self.project.root,
            self.year,
            {Path(rel): path for rel, path in executed.items()},
            self.project.work(self.year) / "final" / "_variables.yml",
            stage_dir(self.project.output_root, self.year),
            site_meta=meta,
        )

    def _chapters(self, render) -> list[dict]:
        if render.chapters:
            return [
                {"title": c.title, "number": c.number, "page": c.page, "source": c.source}
                for c in render.chapters
            ]
        from levelup.report.render.config import load_book_config

        cfg = load_book_config(self.project.root, self.year)
        out = []
        for spec in cfg.chapters:
            out.append(
                {
                    "title": chapter_title(self.project.root / spec.source),
                    "number": None,
                    "page": spec.page,
                    "source": spec.source,
                }
            )
        return out

    def _publish(
        self, tmp: Path, work: Path, entries, render, engine, meta, published
    ) -> BuildResult:
        for name in ("findings.csv", "findings.json", "_variables.yml"):
            shutil.copyfile(work / "final" / name, tmp / name)
        (tmp / "chapters.json").write_text(
            json.dumps(self._chapters(render), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        self._data_manifest(tmp / "data-manifest.toml", entries)
        changes = self._data_changes()
        if changes is not None and (changes / "revisions.csv").is_file():
            # what the data revisions touched, for the numbers gate (docs/ci.md)
            shutil.copyfile(changes / "revisions.csv", tmp / "revisions.csv")
        self._downloads(tmp, changes)
        self._boundary_report(tmp / "boundary-report.csv", entries)
        new_sums = file_checksums(tmp)
        old_sums = read_checksums(self.final) if self.final.is_dir() else None
        result = BuildResult(self.year, self.final, "built", engine=engine, notebooks=self.results)
        result.rendered = True
        result.warnings = list(getattr(render, "warnings", []))
        result.kernels = dict(self._kernel_stats)
        if old_sums is not None:
            diff = diff_checksums(old_sums, new_sums)
            if diff.empty and intact(self.final, old_sums):
                discard(tmp)
                result.status = "unchanged"
                self._remember()
                self.ui.done(f"{self.final} is up to date (identical output; left untouched)")
                return result
            result.diff = diff
            if published is not None:
                result.replaced_published = published
                result.findings_changes = _findings_changes(
                    tmp / "findings.csv", self.final / "findings.csv"
                )
        record = self._build_record(engine, render, meta, published)
        (tmp / BUILD_RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        write_checksums(tmp)
        swap_into_place(tmp, self.final)
        self._remember()
        self.ui.done(f"published to {self.final}")
        return result

    def _downloads(self, tmp: Path, changes: Path | None) -> None:
        """The edition's downloads beside the charts' data in ``site/data/``: every finding
        (``findings.csv``) and, when the edition has a data-change report, that report
        (``data-changes.txt``) and the series its revisions touched (``revisions.csv``), as the
        what-changed chapter links them (:data:`SITE_DOWNLOADS`)."""
        data = tmp / "site" / "data"
        if not (tmp / "site").is_dir():
            return  # no HTML format in this build
        data.mkdir(exist_ok=True)
        shutil.copyfile(tmp / "findings.csv", data / "findings.csv")
        for name, published in SITE_DOWNLOADS.items():
            if changes is not None and (changes / name).is_file():
                shutil.copyfile(changes / name, data / published)

    def _data_manifest(self, path: Path, entries) -> None:
        import tomli_w

        read_by: dict[str, set[str]] = {}
        for entry in entries:
            for pin, _sha in entry.reads:
                read_by.setdefault(pin, set()).add(Path(entry.meta.get("notebook", "")).stem)
        files = []
        for pin_path in sorted(read_by):
            if pin_path not in self.manifest:
                continue
            pin = self.manifest.get(pin_path)
            files.append(
                {
                    "path": pin.path,
                    "sha256": pin.sha256,
                    "bytes": pin.bytes,
                    "vintage": pin.vintage,
                    "publisher": pin.publisher,
                    "licence": pin.licence,
                    "url": pin.url,
                    "read_by": sorted(read_by[pin_path]),
                }
            )
        doc = {
            "edition": self.year,
            "manifest": "data/sources.toml",
            "manifest_sha256": self.manifest.sha256,
            "manifest_files": len(self.manifest),
            "files_read": len(files),
            "file": files,
        }
        header = (
            f"# Pinned input files read by the notebooks of edition {self.year}.\n"
            "# manifest_sha256 identifies the full data manifest (data/sources.toml) of the build.\n"
        )
        path.write_text(header + tomli_w.dumps(doc), encoding="utf-8")

    def _boundary_report(self, path: Path, entries) -> None:
        from levelup.data.schema import BOUNDARY_COLUMNS

        fields = BOUNDARY_COLUMNS
        rows: dict[tuple, set[str]] = {}
        for entry in entries:
            if not entry.boundaries.exists():
                continue
            with entry.boundaries.open(encoding="utf-8", newline="") as handle:
                for row in map(restore_row, csv.DictReader(handle)):
                    if row.get("edition", self.year) != self.year:
                        continue
                    key = tuple(row.get(f, "") for f in fields)
                    rows.setdefault(key, set()).add(Path(entry.meta.get("notebook", "")).stem)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*fields, "notebooks"])
        for key in sorted(rows):
            writer.writerow(list(map(neutralise, [*key, ";".join(sorted(rows[key]))])))
        path.write_text(buffer.getvalue(), encoding="utf-8")

    def _build_record(self, engine, render, meta, published) -> dict:
        return {
            "edition": self.year,
            "fingerprint": self.fingerprint,
            "previous_edition": self.previous,
            "engine": engine,
            "formats": list(self.formats),
            "site_meta": meta,
            "library_version": self.ctx.library,
            "data_config_sha256": self.ctx.data_config,
            "python": sys.version.split()[0],
            "timings": dict(self.timings),
            "render_timings": dict(getattr(render, "timings", {}) or {}),
            "pages_rendered": list(getattr(render, "rendered_pages", []) or []),
            "cache": {
                "hits": sum(r.status == "cached" for r in self.results),
                "misses": sum(r.status == "ran" for r in self.results),
            },
            "kernels": dict(self._kernel_stats),
            "notebooks": [
                {
                    "notebook": r.job.rel,
                    "edition": r.job.edition,
                    "status": r.status,
                    "seconds": round(r.seconds, 3),
                    "cache_entry": r.entry.id if r.entry else "",
                    "inputs_read": len(r.entry.reads) if r.entry else 0,
                }
                for r in self.results
            ],
            "replaced_published": published,
        }


BOOK_EXCLUDE = {
    "analysis",
    "data",
    "src",
    "tests",
    "benchmarks",
    "scripts",
    "docs",
    "editions",  # published editions' records: compared with, never rendered
    "node_modules",
    "_output",
    "_freeze",
    "_book",
    "__pycache__",
}


def renderer_templates_digest(folder: Path | None = None) -> str:
    """Hash of the built-in renderer's templates (page shell, CSS, JavaScript, Typst template,
    pandoc runner). They are not Python, so ``library_version`` does not cover them, yet the
    published output is made of them: editing one must re-render."""
    from levelup.report.render.html import TEMPLATES

    folder = folder or TEMPLATES
    return _digest(
        [
            [p.relative_to(folder).as_posix(), sha256_path(p)]
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        ]
    )


def book_sources_digest(root: Path) -> str:
    """Hash of the files the renderer may read: everything in the project but the notebooks,
    data, code, tests and outputs (``BOOK_EXCLUDE``) and hidden files."""
    parts = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and not (folder == str(root) and d in BOOK_EXCLUDE)
        )
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            st = path.stat()
            parts.append([path.relative_to(root).as_posix(), st.st_size, sha256_path(path)])
    return _digest(parts)


def chapter_title(path: Path) -> str:
    """A chapter's title: front matter ``title:``, else its first level-1 heading."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return path.stem
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        import yaml

        from levelup import config_files

        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                with contextlib.suppress(yaml.YAMLError):
                    meta = config_files.safe_load("\n".join(lines[1:j])) or {}
                    if isinstance(meta, dict) and meta.get("title"):
                        return str(meta["title"])
                break
    for line in lines:
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return path.stem


def _findings_changes(new: Path, old: Path) -> list[str]:
    if not old.exists():
        return []
    from levelup.report.changes import compare_findings, read_findings

    try:
        changes = compare_findings(read_findings(new), read_findings(old))
    except ValueError as exc:
        return [f"findings could not be compared: {exc}"]
    return changes.lines(limit=20)


def build(opts: BuildOptions, ui: BuildUI | None = None) -> BuildResult:
    """Build one edition (see the module docstring); raises BuildError and friends."""
    builder = Builder(opts, ui)
    return builder.run()
