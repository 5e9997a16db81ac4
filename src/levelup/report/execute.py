"""Executing parameterised notebooks: parameter injection, cache lookup, the kernel pool, failures.

Notebooks follow the papermill convention: a code cell tagged ``parameters`` holds the defaults,
and the build inserts a cell tagged ``injected-parameters`` (id ``injected-parameters``) right
after it with this run's values. Executed notebooks are normalised so that the same inputs give
the same bytes: no timing metadata, execution counts 1, 2, 3..., deterministic cell ids, object
addresses (``<... at 0x7f..>``) masked in text outputs.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from levelup.report.nbcache import Entry, NotebookCache, notebook_source_sha256, read_reads_log

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
DEFAULT_WARM = ("pandas", "numpy", "matplotlib", "matplotlib.pyplot", "IPython.display")


class NotebookFailure(Exception):
    """A notebook failed: where (notebook, cell) and why (the traceback)."""

    def __init__(
        self,
        notebook: str,
        edition: str,
        message: str,
        cell_index: int | None = None,
        cell_source: str = "",
        traceback: str = "",
        saved: Path | None = None,
    ):
        self.notebook = notebook
        self.edition = edition
        self.message = message
        self.cell_index = cell_index
        self.cell_source = cell_source
        self.traceback = traceback
        self.saved = saved
        super().__init__(self.describe())

    def describe(self, max_source_lines: int = 8, max_traceback_lines: int = 40) -> str:
        where = f"{self.notebook} (edition {self.edition})"
        if self.cell_index is not None:
            where += f", cell {self.cell_index}"
        lines = [f"{where}: {self.message}"]
        if self.cell_source:
            src = self.cell_source.splitlines()
            lines.append("  cell source:")
            lines += [f"    | {line}" for line in src[:max_source_lines]]
            if len(src) > max_source_lines:
                lines.append(f"    | ... ({len(src) - max_source_lines} more lines)")
        if self.traceback:
            tb = self.traceback.rstrip().splitlines()
            if len(tb) > max_traceback_lines:
                tb = ["..."] + tb[-max_traceback_lines:]
            lines.append("  traceback:")
            lines += [f"    {line}" for line in tb]
        if self.saved is not None:
            lines.append(f"  executed notebook with the error: {self.saved}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- notebooks
def read_notebook_json(path: Path) -> dict:
    with Path(path).open(encoding="utf-8") as handle:
        return json.load(handle)


def _source(cell: Mapping) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameter_names(nb: Mapping) -> list[str]:
    """Names assigned in the ``parameters`` cell, in order."""
    for cell in nb.get("cells", []):
        if PARAMETERS_TAG in ((cell.get("metadata") or {}).get("tags") or []):
            try:
                tree = ast.parse(_source(cell))
            except SyntaxError:
                return []
            names = []
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            return names
    return []


def imported_modules(nbs: Iterable[Mapping]) -> list[str]:
    """Top-level and dotted modules imported by the notebooks' code cells (to warm kernels)."""
    found: dict[str, None] = {}
    for nb in nbs:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            code = "\n".join(
                line
                for line in _source(cell).splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        found[alias.name] = None
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found[node.module] = None
    return list(found)


def prepare_notebook(nb: dict, parameters: Mapping) -> tuple[dict, int]:
    """Copy of ``nb`` with deterministic ids and an injected-parameters cell; its index."""
    nb = json.loads(json.dumps(nb))
    cells = [
        c
        for c in nb.get("cells", [])
        if INJECTED_TAG not in ((c.get("metadata") or {}).get("tags") or [])
    ]
    used = set()
    for i, cell in enumerate(cells):
        cid = cell.get("id")
        if not cid or cid in used:
            cid = f"cell-{i}"
        cell["id"] = cid
        used.add(cid)
        cell["source"] = _source(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            (cell.setdefault("metadata", {})).pop("execution", None)
    at = next(
        (
            i + 1
            for i, c in enumerate(cells)
            if PARAMETERS_TAG in ((c.get("metadata") or {}).get("tags") or [])
        ),
        0,
    )
    order = parameter_names({"cells": cells})
    names = [n for n in order if n in parameters] + sorted(n for n in parameters if n not in order)
    source = "# Parameters\n" + "".join(f"{n} = {parameters[n]!r}\n" for n in names)
    cells.insert(
        at,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": INJECTED_TAG,
            "metadata": {"tags": [INJECTED_TAG]},
            "outputs": [],
            "source": source,
        },
    )
    nb["cells"] = cells
    nb["nbformat"], nb["nbformat_minor"] = 4, max(5, int(nb.get("nbformat_minor", 5)))
    meta = nb.setdefault("metadata", {})
    meta.pop("papermill", None)
    meta.pop("widgets", None)
    return nb, at


def normalise_executed(nb) -> None:
    """Make an executed notebook deterministic (in place)."""
    count = 0
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("execution_count") is None:
            continue
        count += 1
        cell["execution_count"] = count
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = count
            data = out.get("data") or {}
            if "text/plain" in data:
                text = data["text/plain"]
                text = "".join(text) if isinstance(text, list) else text
                data["text/plain"] = _ADDRESS.sub(" at 0x…", text)
            if out.get("output_type") == "stream":
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                out["text"] = _ADDRESS.sub(" at 0x…", text)
    nb.get("metadata", {}).pop("papermill", None)


# ---------------------------------------------------------------------------------- jobs
@dataclass
class NotebookJob:
    """One notebook to execute for one edition."""

    source: Path  # absolute path of the source notebook
    rel: str  # posix path relative to the project (what chapters embed)
    edition: str
    parameters: dict  # injected into the notebook
    key_parameters: dict  # the part of the parameters that goes into the cache key
    run_dir: Path  # scratch: out/ (the notebook's output_dir), meta/ (reads log, boundaries)
    inputs: dict = field(default_factory=dict)  # name -> sha256 of input files (what-changed)
    nb: dict | None = None
    static_key: str = ""

    @property
    def stem(self) -> str:
        return Path(self.rel).stem

    @property
    def label(self) -> str:
        return f"{self.rel} [{self.edition}]"

    def load(self) -> dict:
        if self.nb is None:
            self.nb = read_notebook_json(self.source)
        return self.nb

    def compute_key(self, ctx) -> str:
        self.static_key = ctx.static_key(
            self.rel, notebook_source_sha256(self.load()), self.key_parameters, self.inputs
        )
        return self.static_key


@dataclass
class JobResult:
    job: NotebookJob
    status: str  # "cached", "ran", "failed"
    seconds: float = 0.0
    entry: Entry | None = None
    failure: NotebookFailure | None = None
    kernel: str = ""


Reporter = Callable[[str, JobResult | NotebookJob], None]


def _cell_failure(
    job: NotebookJob, nb, index: int | None, injected_at: int, exc
) -> NotebookFailure:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    source_index = None
    source = ""
    traceback = ""
    message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    if index is not None and 0 <= index < len(nb["cells"]):
        cell = nb["cells"][index]
        source = _source(cell)
        source_index = index - 1 if index > injected_at else index
        if index == injected_at:
            source_index = None
            message = "the injected parameters cell failed: " + message
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
                traceback = _ANSI.sub("", "\n".join(out.get("traceback") or []))
    if isinstance(exc, CellTimeoutError):
        message = f"timed out: {str(exc).splitlines()[0]}"
    elif isinstance(exc, DeadKernelError):
        message = "the kernel died while running this cell (out of memory? a crash in native code?)"
    return NotebookFailure(job.rel, job.edition, message, source_index, source, traceback)


async def run_job(
    pool,
    kernel,
    job: NotebookJob,
    cache: NotebookCache,
    cell_timeout: int,
    env: Mapping[str, str],
    unset: list[str],
    failed_dir: Path,
) -> JobResult:
    """Execute one notebook in ``kernel`` and store it in the cache (raises nothing)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellControlSignal, CellTimeoutError, DeadKernelError

    t0 = time.perf_counter()
    nb_dict, injected_at = prepare_notebook(job.load(), job.parameters)
    nb = nbformat.from_dict(nb_dict)
    run = job.run_dir
    shutil.rmtree(run, ignore_errors=True)
    out_dir, meta_dir = run / "out", run / "meta"
    out_dir.mkdir(parents=True)
    meta_dir.mkdir(parents=True)
    reads_log = meta_dir / "reads.tsv"
    reads_log.touch()
    kernel_env = {**env, "LEVELUP_READS_LOG": str(reads_log)}
    await kernel.run(
        "import levelup.report._kernel as _lk\n"
        f"_lk.prepare({str(job.source.parent)!r}, {kernel_env!r}, {list(unset)!r})",
        timeout=60,
    )
    current = {"index": None}

    def on_cell_execute(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        km=kernel.km,
        timeout=cell_timeout,
        record_timing=False,
        allow_errors=False,
        kernel_name="levelup",
        resources={"metadata": {"path": str(job.source.parent)}},
        on_cell_execute=on_cell_execute,
        iopub_timeout=10,
    )
    client.kc = kernel.kc
    failure = None
    try:
        await client.async_execute()
    except (CellControlSignal, DeadKernelError, CellTimeoutError, RuntimeError) as exc:
        failure = _cell_failure(job, nb, current["index"], injected_at, exc)
        if isinstance(exc, DeadKernelError | CellTimeoutError) or not kernel.alive():
            await pool.replace(kernel, pool_warm_modules(pool))
    if failure is None:
        try:
            await kernel.run(
                f"import levelup.report._kernel as _lk\n_lk.finish({str(meta_dir)!r})\ndel _lk",
                timeout=120,
            )
        except Exception as exc:  # noqa: BLE001
            failure = NotebookFailure(job.rel, job.edition, f"after the notebook: {exc}")
    seconds = time.perf_counter() - t0
    normalise_executed(nb)
    executed = run / "executed.ipynb"
    nbformat.write(nb, str(executed))
    if failure is not None:
        failed_dir.mkdir(parents=True, exist_ok=True)
        saved = failed_dir / f"{job.edition}-{job.stem}.ipynb"
        shutil.copy2(executed, saved)
        failure.saved = saved
        return JobResult(job, "failed", seconds, failure=failure, kernel=kernel.name)
    entry = cache.store(
        job.static_key,
        executed,
        out_dir,
        meta_dir / "boundaries.csv",
        read_reads_log(reads_log),
        {
            "notebook": job.rel,
            "edition": job.edition,
            "parameters": job.parameters,
            "inputs": job.inputs,
            "seconds": round(seconds, 3),
            "created": time.time(),
        },
    )
    shutil.rmtree(run, ignore_errors=True)
    kernel.notebooks_run += 1
    return JobResult(job, "ran", seconds, entry=entry, kernel=kernel.name)


def pool_warm_modules(pool) -> list[str]:
    return list(getattr(pool, "warm_modules", DEFAULT_WARM))


class Executor:
    """Runs batches of notebook jobs on a lazily started :class:`KernelPool` in its own thread.

    The event loop lives in a background thread so Ctrl-C reaches the main thread (which then
    stops the kernels) and nbclient installs no signal handlers of its own.
    """

    def __init__(
        self,
        pool_factory: Callable[[], object],
        cache: NotebookCache,
        env: Mapping[str, str],
        unset: list[str],
        failed_dir: Path,
        cell_timeout: int = 1800,
        reporter: Reporter | None = None,
    ):
        self._pool_factory = pool_factory
        self.pool = None
        self.cache = cache
        self.env = dict(env)
        self.unset = list(unset)
        self.failed_dir = failed_dir
        self.cell_timeout = cell_timeout
        self.reporter = reporter or (lambda event, item: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.kernel_seconds = 0.0
        self.stats: dict = {}
        self._report_error: BaseException | None = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="levelup-kernels", daemon=True
            )
            self._thread.start()
        return self._loop

    def _call(self, coro):
        import concurrent.futures

        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        while True:
            try:
                result = future.result(timeout=1.0)
                break
            except concurrent.futures.TimeoutError:
                if self._thread is not None and not self._thread.is_alive():
                    raise RuntimeError("the kernel event loop stopped unexpectedly") from None
        if self._report_error is not None:  # e.g. SystemExit from a closed stdout
            error, self._report_error = self._report_error, None
            raise error
        return result

    def _report(self, event: str, item) -> None:
        """Progress reporting must never kill the event loop (a broken pipe raises SystemExit)."""
        try:
            self.reporter(event, item)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            if self._report_error is None:
                self._report_error = exc

    def run(self, jobs: list[NotebookJob], warm_modules: list[str]) -> list[JobResult]:
        """Execute ``jobs`` (cache misses) in parallel, longest first; return results in order."""
        if not jobs:
            return []
        return self._call(self._run(jobs, warm_modules))

    async def _run(self, jobs: list[NotebookJob], warm_modules: list[str]) -> list[JobResult]:
        modules = list(dict.fromkeys([*DEFAULT_WARM, *warm_modules]))
        t0 = time.perf_counter()
        if self.pool is None:
            self.pool = self._pool_factory()
            self.pool.warm_modules = modules
            await self.pool.start(len(jobs), modules)
        else:
            self.pool.warm_modules = list(dict.fromkeys([*self.pool.warm_modules, *modules]))
            if len(self.pool.kernels) < min(len(jobs), self.pool.size):
                extra = await asyncio.gather(
                    *(
                        self.pool._start_one()
                        for _ in range(min(len(jobs), self.pool.size) - len(self.pool.kernels))
                    )
                )
                self.pool.kernels.extend(extra)
            await asyncio.gather(
                *(self.pool.warm(k, self.pool.warm_modules) for k in self.pool.kernels)
            )
        self.kernel_seconds += time.perf_counter() - t0
        queue: asyncio.Queue = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        results: dict[int, JobResult] = {}
        index = {id(job): i for i, job in enumerate(jobs)}

        async def worker(slot: int) -> None:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                kernel = self.pool.kernels[slot]
                self._report("start", job)
                try:
                    result = await run_job(
                        self.pool,
                        kernel,
                        job,
                        self.cache,
                        self.cell_timeout,
                        self.env,
                        self.unset,
                        self.failed_dir,
                    )
                except Exception as exc:  # noqa: BLE001 - harness trouble: report, replace kernel
                    result = JobResult(
                        job,
                        "failed",
                        failure=NotebookFailure(job.rel, job.edition, f"could not run: {exc}"),
                    )
                    try:
                        await self.pool.replace(kernel, self.pool.warm_modules)
                    except Exception:  # noqa: BLE001
                        return
                results[index[id(job)]] = result
                self._report("done", result)

        await asyncio.gather(*(worker(i) for i in range(len(self.pool.kernels))))
        for i, job in enumerate(jobs):  # left in the queue when every kernel was lost
            if i not in results:
                results[i] = JobResult(
                    job,
                    "failed",
                    failure=NotebookFailure(job.rel, job.edition, "not run: no kernel left"),
                )
        return [results[i] for i in range(len(jobs))]

    def _record_stats(self) -> None:
        if self.pool is not None:
            self.stats = {
                "started": self.pool.started,
                "adopted": self.pool.adopted,
                "restarted": self.pool.restarted,
                "kept_seconds": self.pool.keep_seconds,
                "startup_seconds": round(self.kernel_seconds, 3),
            }

    def close(self) -> None:
        if self._loop is None:
            return
        self._record_stats()
        try:
            if self.pool is not None:
                self._call(self.pool.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None
            self.pool = None

    def kill(self) -> None:
        """Interrupted: cancel the running notebooks, kill this build's kernels (kept ones too)."""
        if self.pool is not None:
            self.pool.closing = True  # no replacement kernels from here on
        if self._loop is not None:

            async def cancel_all() -> None:
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in tasks:
                    task.cancel()
                if tasks:
                    await asyncio.wait(tasks, timeout=3)

            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(timeout=5)
        if self.pool is not None:
            for kernel in list(self.pool.kernels):
                kernel.kill()
                self.pool._forget(kernel.name)
                self.pool._unlock(kernel)
            self.pool.kernels = []
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop = None
        self.pool = None
