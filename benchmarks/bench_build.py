"""Benchmark of ``levelup build``: cold, no-op and incremental builds against a serial baseline.

Writes ``benchmarks/RESULTS.md`` (``--out`` to change). Everything runs in a temporary workspace:

* a copy of the project (``real``: this checkout's book, notebooks and ``data/``; ``fixture``:
  ``tests/report/fixtures/pipeline`` with the real ``data/`` configuration);
* a frozen copy of ``src/`` (on ``PYTHONPATH``), so edits made elsewhere while it runs cannot
  invalidate caches half-way;
* a mirror of symlinks to the real data mirror (``--mirror``, default ``$LEVELUP_DATA_MIRROR``
  or ``../shared/data``), so one pinned file can be "updated" without touching the real mirror;
* its own cache (``LEVELUP_CACHE``); the frozen ``src/`` is compiled to bytecode as ``make env``
  compiles the checkout's (``--no-bytecode``: not), and the environment's own bytecode is used
  as installed (``uv sync --compile-bytecode``).

The previous edition is read from its published record (``editions/<year>/``, copied with the
project); the fixture project has none, so its previous edition is built and published first
(untimed).

Each build is the real command line (``levelup build --project WS/project --edition E``) timed
from process start to exit. Scenarios, each run ``--repeat`` times (median reported):

``fresh-clone``    the first build after cloning and installing the environment: no project cache
                   at all (notebook cache, parsed-table cache, kept kernels and their registry,
                   render cache, data stamps: the whole ``LEVELUP_CACHE``) and no ``_output/``
                   (the headline scenario);
``cold``           empty build cache (notebooks, findings, render) and no warm kernels; the data
                   layer's parsed tables and the bytecode are warm (they are after any first run);
``no-op``          the same build again;
``prose``          one chapter edited (a sentence appended);
``notebook``       one notebook edited (a comment appended to a code cell), warm kernels kept by
                   the previous build (the default ``--keep-kernels``); ``notebook-cold-kernels``
                   the same without kept kernels;
``input``          one pinned input updated (its sha256 in ``data/sources.toml`` and the file in
                   the mirror): the file read by the fewest notebooks; only they re-run;
``areas-cold``     what the area profiles and mission maps add to the cold build (target 5 s): the
                   profiles notebook, the 362 area pages and their downloads, the 16 hex maps;
                   the no-op scenario shows they add nothing there (nothing is rendered);
``baseline``       what the build replaces: every notebook executed one after the other with
                   papermill (a fresh kernel each), then a full render with no cache.

Peak memory is the largest sum of resident memory over the build process and all its children
(kernels, pandoc, typst), sampled every 50 ms during the cold builds. The statistics engine is
timed by ``benchmarks/bench_stats.py --source real``, called here (target <= 1 s in total).

    uv run python benchmarks/bench_build.py                       # real project + fixture, 3 runs
    uv run python benchmarks/bench_build.py --project real --scenarios fresh-clone   # headline only
    uv run python benchmarks/bench_build.py --project fixture --repeat 1 --skip-baseline
    uv run python benchmarks/bench_build.py --ci    # also: `.ci/run` from a clean clone of HEAD

With ``--project real`` chapters the book lists but that are not written yet are replaced by stubs
in the workspace (stated in RESULTS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "report" / "fixtures" / "pipeline"
TARGETS = {
    "fresh-clone": 20.0,
    "cold": 15.0,
    "no-op": 0.5,
    "prose": 1.5,
    "notebook": 3.0,
    "notebook-cold-kernels": None,
    "input": None,
    "baseline": None,
    "areas-cold": 5.0,
}
EPOCH = "1767225600"


# ---------------------------------------------------------------------------------- workspace
def default_mirror() -> Path:
    env = os.environ.get("LEVELUP_DATA_MIRROR")
    return Path(env).resolve() if env else (REPO.parent / "shared" / "data").resolve()


def make_workspace(kind: str, ws: Path, mirror: Path, bytecode: bool) -> Path:
    project = ws / "project"
    if kind == "fixture":
        shutil.copytree(FIXTURE, project)
        shutil.copytree(REPO / "data", project / "data")
    else:
        project.mkdir()
        for path in REPO.iterdir():
            if path.is_file() and (
                path.name.startswith("_quarto") or path.suffix in (".qmd", ".bib", ".csl", ".md")
            ):
                shutil.copy2(path, project / path.name)
        for name in ("chapters", "analysis", "data", "images", "editions"):
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, project / name)
    shutil.copy2(REPO / "uv.lock", project / "uv.lock")
    shutil.copytree(REPO / "src", ws / "src", ignore=shutil.ignore_patterns("__pycache__"))
    if bytecode:  # as `make env` compiles the checkout (untimed: part of installing)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ws / "src")], check=True)
    # a mirror of symlinks: one file can be replaced without touching the real mirror
    from levelup.data.sources import Manifest

    for pin in Manifest.load(project / "data" / "sources.toml"):
        target = ws / "mirror" / pin.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(mirror / pin.path)
    return project


def missing_chapters(project: Path, edition: str) -> list[str]:
    """Stub chapters the book lists but that do not exist yet (``--project real`` only)."""
    from levelup.report.render.config import load_book_config

    created = []
    for spec in load_book_config(project, edition).chapters:
        path = project / spec.source
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            title = Path(spec.source).stem.replace("-", " ").capitalize()
            anchor = "sec-" + Path(spec.source).stem
            path.write_text(
                f"# {title} {{#{anchor}}}\n\nNot written yet (stub created by the benchmark).\n"
            )
            created.append(spec.source)
    return created


# ---------------------------------------------------------------------------------- running
class Runner:
    def __init__(self, ws: Path, project: Path, edition: str, jobs: int | None):
        self.ws, self.project, self.edition = ws, project, edition
        self.levelup = str(Path(sys.executable).parent / "levelup")
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "LEVELUP_KEEP_KERNELS")}
        env.update(
            {
                "PYTHONPATH": str(ws / "src"),
                "LEVELUP_CACHE": str(ws / "cache"),
                "LEVELUP_DATA_MIRROR": str(ws / "mirror"),
                "SOURCE_DATE_EPOCH": EPOCH,
                "COLUMNS": "200",
            }
        )
        env.pop("PYTHONPYCACHEPREFIX", None)
        self.env = env
        self.args = ["--project", str(project), "--edition", edition, "--engine", "builtin"]
        if jobs:
            self.args += ["--jobs", str(jobs)]

    @property
    def command(self) -> str:
        return "levelup build " + " ".join(shlex.quote(a) for a in self.args)

    def build(self, *extra: str, sample_memory: bool = False) -> tuple[float, str, float]:
        """(seconds, output, peak MB) of one ``levelup build``; raises on failure."""
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [self.levelup, "build", *self.args, *extra],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peak = [0.0]
        sampler = None
        if sample_memory:
            sampler = threading.Thread(target=_sample_tree, args=(proc, peak), daemon=True)
            sampler.start()
        out, _ = proc.communicate()
        seconds = time.perf_counter() - t0
        if sampler is not None:
            sampler.join(timeout=2)
        if proc.returncode != 0:
            raise RuntimeError(f"levelup build failed (exit {proc.returncode}):\n{out[-6000:]}")
        return seconds, out, peak[0]

    def stop_kernels(self) -> None:
        subprocess.run(
            [self.levelup, "kernels", "stop", "--project", str(self.project)],
            env=self.env,
            capture_output=True,
            check=False,
        )

    def clear_build_cache(self) -> None:
        self.stop_kernels()
        shutil.rmtree(self.ws / "cache" / "build", ignore_errors=True)
        shutil.rmtree(self.project / "_output" / self.edition, ignore_errors=True)

    def clear_project_caches(self) -> None:
        """As in a fresh clone: no kept kernels, no cache of any kind, no output."""
        self.stop_kernels()
        shutil.rmtree(self.ws / "cache", ignore_errors=True)
        shutil.rmtree(self.project / "_output", ignore_errors=True)

    def publish(self) -> None:
        subprocess.run(
            [self.levelup, "publish", "--project", str(self.project), "--edition", self.edition],
            env=self.env,
            capture_output=True,
            check=True,
        )


def _sample_tree(proc: subprocess.Popen, peak: list[float]) -> None:
    import psutil

    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        return
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        except psutil.Error:
            pass
        peak[0] = max(peak[0], total / 2**20)
        time.sleep(0.05)


def ran_notebooks(output: str) -> list[str]:
    return sorted(
        set(re.findall(r"✓ (\S+\.ipynb) \[\d{4}\] ran in", output))
        | set(re.findall(r"✗ (\S+\.ipynb) \[\d{4}\] failed", output))
    )


# ---------------------------------------------------------------------------------- areas
#: The mission maps (notebook stem, metric) drawn by levelup.metrics.areas.metric_maps.
MAPPED = (
    ("m01-living-standards", "m01-median-weekly-pay"),
    ("m03-transport", "m03-travel-time"),
    ("m04-digital", "m04-gigabit"),
    ("m05-education", "m05-ks2-rwm"),
    ("m06-skills", "m06-fe-achievements"),
    ("m07-health", "m07-hle"),
    ("m08-wellbeing", "m08-life-satisfaction"),
    ("m10-housing", "m10-net-additions"),
)
_MAPS_SCRIPT = """
import sys, time
from levelup.charts import svg_bytes
from levelup.data.geography import Geography
from levelup.data.load import DataLoader
from levelup.metrics import areas as AR
from levelup.metrics.analysis import MetricData
from levelup.findings.table import Findings
loader = DataLoader(sys.argv[1])
geo = Geography(loader.store, loader.edition.boundaries, loader.succession_register())
total = 0.0
for stem, metric in [a.split(":") for a in sys.argv[2:]]:
    md = MetricData.load(metric, loader)
    AR.metric_areas(md, geo)  # warm: the rows the notebook has already computed
    t0 = time.process_time()
    maps = AR.metric_maps(md, geo, Findings(stem, "/tmp"), "map.x")
    svg_bytes(maps.latest), svg_bytes(maps.change)
    total += time.process_time() - t0
print(total)
"""


def areas_cost(runner: Runner) -> dict:
    """What the area profiles and the mission maps add to a cold build, in CPU seconds (the
    machine may be shared): the profiles notebook (its run in the warm kernel), the area pages
    and downloads (the renderer's ``areas`` timing), and the sixteen maps (drawn here, one after
    the other, after their metric's rows are computed, as in the notebooks)."""
    out = runner.project / "_output" / runner.edition
    record = json.loads((out / "build.json").read_text())
    durations = json.loads((runner.ws / "cache" / "build" / "durations.json").read_text())
    notebook = durations.get(f"{runner.edition}:analysis/areas/profiles.ipynb", 0.0)
    pages = float(record.get("render_timings", {}).get("areas", 0.0))
    proc = subprocess.run(
        [sys.executable, "-c", _MAPS_SCRIPT, runner.edition, *(f"{a}:{b}" for a, b in MAPPED)],
        env=runner.env,
        capture_output=True,
        text=True,
        check=True,
    )
    maps = float(proc.stdout.strip().splitlines()[-1])
    total = notebook + pages + maps
    note = (
        f"profiles notebook {notebook:.2f}s (kernel, wall), area pages and downloads "
        f"{pages:.2f}s (render), {2 * len(MAPPED)} maps {maps:.2f}s (CPU)"
    )
    print(f"  areas-cold: {total:.2f}s ({note})", flush=True)
    return {"scenario": "areas-cold", "runs": [total], "note": note}


# ---------------------------------------------------------------------------------- scenarios
def edit_notebook(path: Path, i: int) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell = code[-1]
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = src.rstrip("\n") + f"\n# benchmark edit {i}\n"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def update_input(ws: Path, project: Path, pin_path: str, i: int, mirror: Path) -> None:
    """Replace one mirrored file by the original plus ``i`` blank lines (readers skip them)."""
    data = (mirror / pin_path).read_bytes() + b"\n" * i
    target = ws / "mirror" / pin_path
    target.unlink()
    target.write_bytes(data)
    sources = project / "data" / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    block = re.search(
        r'path = "' + re.escape(pin_path) + r'".*?(?=\n\[\[file\]\]|\Z)', text, re.S
    ).group(0)
    new = re.sub(
        r'sha256 = "[0-9a-f]{64}"', f'sha256 = "{hashlib.sha256(data).hexdigest()}"', block
    )
    new = re.sub(r"bytes = \d+", f"bytes = {len(data)}", new)
    sources.write_text(text.replace(block, new), encoding="utf-8")


def pick_input(project: Path, edition: str) -> tuple[str, list[str]]:
    import tomllib

    doc = tomllib.loads((project / "_output" / edition / "data-manifest.toml").read_text())
    files = [f for f in doc.get("file", []) if f["path"].endswith(".csv")]
    if not files:
        raise RuntimeError("no pinned CSV was read by the notebooks")
    best = min(files, key=lambda f: (len(f["read_by"]), f["bytes"]))
    return best["path"], best["read_by"]


BASELINE = r"""
import json, sys, time
from pathlib import Path
import papermill as pm
from levelup.data.catalogue import Catalogue
from levelup.data.sources import Manifest
project, edition, work = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
cat = Catalogue(Manifest.load(project / "data" / "sources.toml"), data_dir=project / "data")
ed = cat.edition(edition)
notebooks = sorted(p for d in ("analysis/missions", "analysis/capitals", "analysis/editions")
                   for p in (project / d).glob("*.ipynb") if p.name != "what-changed.ipynb")
executed = {}
t0 = time.perf_counter()
for nb in notebooks:
    out = work / "executed" / nb.relative_to(project)
    out.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(nb), str(out), kernel_name="levelup-bench", cwd=str(nb.parent),
                        progress_bar=False, log_output=False,
                        parameters={"edition": edition, "data_vintage": ed.els_vintage,
                                    "boundary_year": ed.boundaries, "output_dir": str(work)})
    executed[Path(nb.relative_to(project))] = out
import pandas as pd
from levelup.findings.table import merge_findings, variables_tree, write_findings_csv
def read(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("value", "lower", "upper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame
frames = {p.stem: read(p) for p in sorted((work / "findings").glob("*.csv"))}
write_findings_csv(merge_findings(frames), work / "findings-notebooks.csv")
wc = project / "analysis/editions/what-changed.ipynb"
if wc.exists():
    prev = project / "editions" / (ed.previous or "none") / "findings.csv"
    out = work / "executed" / wc.relative_to(project)
    out.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(wc), str(out), kernel_name="levelup-bench", cwd=str(wc.parent),
                        progress_bar=False, log_output=False,
                        parameters={"edition": edition, "previous_edition": ed.previous,
                                    "findings_path": str(work / "findings-notebooks.csv"),
                                    "previous_findings_path": str(prev) if prev.exists() else "",
                                    "data_changes_path": "", "output_dir": str(work)})
    executed[Path(wc.relative_to(project))] = out
frames = {p.stem: read(p) for p in sorted((work / "findings").glob("*.csv"))}
variables = variables_tree(merge_findings(frames))
variables.update({"edition": edition, "previous-edition": ed.previous,
                  "data-vintage": ed.els_vintage, "boundary-year": str(ed.boundaries)})
t1 = time.perf_counter()
from levelup.report.render import render_book
render_book(project, edition, executed, variables, work / "out", figure_data_dir=work / "figure-data",
            site_meta={"edition": edition, "editions": [edition]}, cache_dir=None)
t2 = time.perf_counter()
print(json.dumps({"notebooks": t1 - t0, "render": t2 - t1}))
"""


def run_baseline(runner: Runner, i: int) -> tuple[float, dict]:
    work = runner.ws / f"baseline-{i}"
    shutil.rmtree(work, ignore_errors=True)
    spec = runner.ws / "jupyter" / "kernels" / "levelup-bench"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "levelup benchmark",
                "language": "python",
            }
        )
    )
    script = runner.ws / "baseline.py"
    script.write_text(BASELINE)
    env = {
        **runner.env,
        "JUPYTER_PATH": str(runner.ws / "jupyter"),
        "LEVELUP_PROJECT_ROOT": str(runner.project),
    }
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(script), str(runner.project), runner.edition, str(work)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"baseline failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds, json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------- report
def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def section(meta: dict, rows: list[dict], notes: list[str]) -> list[str]:
    baseline = next((r for r in rows if r["scenario"] == "baseline"), None)
    base = statistics.median(baseline["runs"]) if baseline and baseline["runs"] else None
    lines = [
        f"## Project: {meta['project_label']}",
        "",
        f"* edition {meta['edition']}; load average before/after: {meta['load_before']} / "
        f"{meta['load_after']}",
        f"* timed command: `{meta['command']}` (wall time from process start to exit, "
        f"median of {meta['repeat']} runs)",
        "",
        "| scenario | median (s) | runs (s) | target (s) | vs baseline | notebooks re-run |",
        "|:--|--:|:--|--:|--:|:--|",
    ]
    for r in rows:
        if not r["runs"]:
            lines.append(f"| {r['scenario']} | failed | | | | {r.get('note', '')} |")
            continue
        median = statistics.median(r["runs"])
        target = TARGETS.get(r["scenario"])
        verdict = f"{target:g} {'✓' if median <= target else '✗'}" if target is not None else ""
        ratio = f"{median / base:.2g}×" if base and r["scenario"] != "baseline" else ""
        lines.append(
            f"| {r['scenario']} | {median:.2f} | {fmt(r['runs'])} | {verdict} | {ratio} | "
            f"{r.get('note', '')} |"
        )
    lines += ["", f"Peak memory: {meta['memory']}", ""]
    if meta.get("extra"):
        lines += [*meta["extra"], ""]
    lines += [f"* {n}" for n in notes]
    return [*lines, ""]


def ci_section(mirror: Path) -> list[str]:
    """Wall time of ``.ci/run`` on a clean clone of HEAD (committed changes only)."""
    with tempfile.TemporaryDirectory(prefix="levelup-ci-") as tmp:
        clone = Path(tmp) / "levelup"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "LEVELUP_CACHE")}
        env["LEVELUP_DATA_MIRROR"] = str(mirror)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["bash", ".ci/run"], cwd=clone, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - t0
    steps = re.findall(r"^==> (.*)$", proc.stdout, re.M)
    verdict = "passed" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
    print(f"  [ci] .ci/run {verdict} in {seconds:.0f}s", flush=True)
    return [
        "## CI",
        "",
        f"`.ci/run` from a clean clone of HEAD (`git clone`, then `bash .ci/run`; system packages "
        f"present), load average before: {load}:",
        "",
        "| run | wall time | result |",
        "|:--|--:|:--|",
        f"| `.ci/run`, clean clone | {int(seconds // 60)} min {seconds % 60:.0f} s | {verdict} |",
        "",
        "Steps (seconds since the start): " + "; ".join(steps),
        "",
    ]


# ---------------------------------------------------------------------------------- main
def bench_project(kind: str, args, mirror: Path) -> tuple[dict, list[dict], list[str], dict]:
    """Run every scenario on one project in its own workspace; (meta, rows, notes, env)."""
    ws = Path(tempfile.mkdtemp(prefix=f"levelup-bench-{kind}-"))
    notes: list[str] = []
    rows: list[dict] = []
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        project = make_workspace(kind, ws, mirror, not args.no_bytecode)
        runner = Runner(ws, project, args.edition, args.jobs)
        if kind == "real":
            stubs = missing_chapters(project, args.edition)
            if stubs:
                notes.append(
                    f"stub chapters (a title and one sentence) stand in for {len(stubs)} chapter(s) "
                    f"not written yet: {', '.join(stubs)}"
                )
        nb_count = sum(
            1
            for d in (
                "analysis/missions",
                "analysis/capitals",
                "analysis/areas",
                "analysis/editions",
            )
            for p in (project / d).glob("*.ipynb")
            if p.name != "what-changed.ipynb"
        )
        from levelup.data.catalogue import Catalogue
        from levelup.data.sources import Manifest

        edition = Catalogue(
            Manifest.load(project / "data" / "sources.toml"), data_dir=project / "data"
        ).edition(args.edition)
        print(f"[{kind}] workspace {ws}; {nb_count} notebooks; edition {args.edition}", flush=True)
        record = project / "editions" / (edition.previous or "none") / "PUBLISHED"
        if edition.previous and not record.exists():  # published first (untimed), as in practice
            prev = Runner(ws, project, edition.previous, args.jobs)
            prev.build("--keep-kernels", "0")
            prev.publish()
            notes.append(f"edition {edition.previous} was built and published first (untimed)")
        if edition.previous:
            notes.append(
                f"what-changed reads edition {edition.previous} from its record "
                f"(editions/{edition.previous}/): no notebook of {edition.previous} runs"
            )
        wanted = set(args.scenarios.split(","))
        peak = [0.0]

        def scenario(name, prepare, note, memory=False):
            if name not in wanted:
                return
            runs, text = [], ""
            for i in range(1, args.repeat + 1):
                prepare(i)
                seconds, out, mb = runner.build(sample_memory=memory)
                runs.append(seconds)
                peak[0] = max(peak[0], mb)
                text = note(out)
                print(f"  [{kind}] {name} #{i}: {seconds:.2f}s {text}", flush=True)
            rows.append({"scenario": name, "runs": runs, "note": text})

        def reran(out: str) -> str:
            names = [Path(n).stem for n in ran_notebooks(out)]
            return ", ".join(names) if names else "none"

        scenario("fresh-clone", lambda i: runner.clear_project_caches(), reran, memory=True)
        runner.build("--keep-kernels", "0")  # warm-up (untimed): parsed tables and bytecode
        chapters = sorted((project / "chapters").glob("*.qmd"))
        chapter = project / (
            args.chapter or chapters[min(1, len(chapters) - 1)].relative_to(project)
        )
        notebook = project / args.notebook
        if not notebook.exists():
            notebook = sorted((project / "analysis" / "missions").glob("*.ipynb"))[0]
        scenario("cold", lambda i: runner.clear_build_cache(), reran, memory=True)
        if kind == "real":
            rows.append(areas_cost(runner))
        scenario("no-op", lambda i: None, reran)
        scenario(
            "prose",
            lambda i: chapter.write_text(chapter.read_text() + f"\nBenchmark sentence {i}.\n"),
            lambda out: reran(out) + f" ({chapter.relative_to(project)} edited)",
        )
        scenario("notebook", lambda i: edit_notebook(notebook, i), reran)

        def cold_kernels(i: int) -> None:
            runner.stop_kernels()
            edit_notebook(notebook, 100 + i)

        scenario("notebook-cold-kernels", cold_kernels, reran)
        pin, readers = pick_input(project, args.edition) if "input" in wanted else ("", [])
        scenario(
            "input",
            lambda i: update_input(ws, project, pin, i, mirror),
            lambda out: reran(out) + f" ({pin}, read by {', '.join(readers)})",
        )
        runner.stop_kernels()
        if not args.skip_baseline and "baseline" in wanted:
            runs, parts = [], []
            for i in range(1, (args.baseline_repeat or args.repeat) + 1):
                seconds, split = run_baseline(runner, i)
                runs.append(seconds)
                parts.append(split)
                print(f"  [{kind}] baseline #{i}: {seconds:.2f}s {split}", flush=True)
            rows.append(
                {
                    "scenario": "baseline",
                    "runs": runs,
                    "note": f"serial papermill, all {nb_count} + what-changed: notebooks "
                    f"{statistics.median(p['notebooks'] for p in parts):.1f}s, render "
                    f"{statistics.median(p['render'] for p in parts):.1f}s",
                }
            )
        durations = {}
        with contextlib.suppress(OSError, ValueError):
            durations = json.loads((ws / "cache" / "build" / "durations.json").read_text())
        extra = []
        if durations:
            total = sum(v for k, v in durations.items() if k.startswith(args.edition + ":"))
            slow = sorted(
                (
                    (v, k.split(":", 1)[1])
                    for k, v in durations.items()
                    if k.startswith(args.edition)
                ),
                reverse=True,
            )[:3]
            extra.append(
                f"Notebook execution time in warm kernels (last run of each): {total:.1f}s in total; "
                "slowest: " + ", ".join(f"{Path(n).stem} {v:.1f}s" for v, n in slow) + "."
            )
        label = (
            "fixture (tests/report/fixtures/pipeline: 3 small notebooks + what-changed, 6 pages) "
            "-- NOT the real report"
            if kind == "fixture"
            else f"real ({nb_count} notebooks + what-changed)"
        )
        meta = {
            "project_label": label,
            "edition": args.edition,
            "load_before": load_before,
            "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "command": runner.command,
            "repeat": args.repeat,
            "memory": f"{peak[0]:.0f} MB, the largest sum of resident memory of the build process "
            f"and its children during the cold builds (target ≤ 2048 MB "
            f"{'✓' if peak[0] <= 2048 else '✗'}).",
            "extra": extra,
        }
        return meta, rows, notes, runner.env
    finally:
        with contextlib.suppress(Exception):
            Runner(ws, ws / "project", args.edition, None).stop_kernels()
        if not args.keep_workspace:
            shutil.rmtree(ws, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project", default="real,fixture", help="real, fixture, or both (comma-separated)"
    )
    parser.add_argument("--edition", default="2026")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--mirror", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    parser.add_argument("--notebook", default="analysis/missions/m07-health.ipynb")
    parser.add_argument("--chapter", default=None, help="chapter to edit (default: the 2nd)")
    parser.add_argument(
        "--scenarios",
        default=",".join(TARGETS),
        help=f"comma-separated subset of {', '.join(TARGETS)} (default: all)",
    )
    parser.add_argument(
        "--ci",
        action="store_true",
        help="also time `.ci/run` from a clean clone of this checkout's HEAD (about 4 minutes)",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-stats", action="store_true")
    parser.add_argument("--no-bytecode", action="store_true")
    parser.add_argument("--keep-workspace", action="store_true")
    args = parser.parse_args(argv)
    mirror = (args.mirror or default_mirror()).resolve()
    kinds = [k.strip() for k in args.project.split(",") if k.strip()]
    if not kinds or set(kinds) - {"real", "fixture"}:
        parser.error("--project: real, fixture or real,fixture")

    def git(*a: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPO), *a], capture_output=True, text=True
        ).stdout.strip()

    invocation = "uv run python benchmarks/bench_build.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    lines = [
        "# Build benchmarks",
        "",
        f"Written by `benchmarks/bench_build.py` on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}: `{invocation.strip()}`.",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"library `src/` at commit `{git('rev-parse', '--short', 'HEAD')}`"
        f"{' with uncommitted changes' if git('status', '--porcelain') else ''}, copied and frozen "
        "for the run"
        + (", not compiled to bytecode" if args.no_bytecode else ", compiled as `make env` does")
        + "; the environment's bytecode as installed. The machine is shared: see the load "
        "averages.",
        "",
        "Scenarios (each a real `levelup build` process, wall time):",
        "",
        "* **fresh-clone** (the headline): the first build after cloning and installing the "
        "environment: no project cache of any kind (notebook cache, parsed-table cache, kept "
        "kernels, render cache, data stamps) and no `_output/`; the previous edition is read from "
        "its record (`editions/<year>/`);",
        "* **cold**: empty build cache (notebooks, findings, render) and no warm kernels; the data "
        "layer's parsed tables and the bytecode are warm (a first, untimed build fills them);",
        "* **no-op**: the same build again; **prose**: one chapter edited;",
        "* **notebook**: one notebook edited, with the warm kernels the previous build kept "
        "(`--keep-kernels`, default 600 s); **notebook-cold-kernels**: the same after "
        "`levelup kernels stop`;",
        "* **input**: one pinned file updated (blank lines appended: new sha256 and size, same rows) "
        "in a workspace mirror and `data/sources.toml`: only the notebooks that read it re-run (the "
        "kernels restart: the data manifest is part of their fingerprint);",
        "* **baseline**: every notebook one after the other with papermill (a fresh kernel each), "
        "then a full render without cache; ratios are median / median of the baseline.",
        "",
    ]
    for kind in kinds:
        meta, rows, notes, _ = bench_project(kind, args, mirror)
        lines += section(meta, rows, notes)
    lines += ["## Statistics engine", ""]
    if args.skip_stats:
        lines += ["skipped (--skip-stats)", ""]
    else:
        cmd = [sys.executable, str(REPO / "benchmarks" / "bench_stats.py"), "--source", "real"]
        stats_env = {**os.environ, "LEVELUP_DATA_MIRROR": str(mirror)}
        stats_env.pop("PYTHONDONTWRITEBYTECODE", None)
        proc = subprocess.run(
            cmd + ["--runs", "3"], env=stats_env, cwd=REPO, capture_output=True, text=True
        )
        out = (
            proc.stdout if proc.returncode == 0 else f"failed:\n{proc.stdout}{proc.stderr[-2000:]}"
        )
        lines += [
            "`uv run python benchmarks/bench_stats.py --source real --runs 3`: the statistics "
            "engine over the whole local-authority panel, every metric (target: total <= 1 s):",
            "",
            "```",
            out.rstrip(),
            "```",
            "",
        ]
    if args.ci:
        lines += ci_section(mirror)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
