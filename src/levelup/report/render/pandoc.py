"""Running pandoc: batches of jobs through ``pandoc lua templates/runner.lua``, in parallel.

A job is a dict with ``id`` and ``op`` (``read`` or ``write``); see runner.lua. Jobs are split into
at most ``workers`` batches balanced by size and each batch runs in its own pandoc process.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from pathlib import Path

from .errors import RenderError

RUNNER = Path(__file__).parent / "templates" / "runner.lua"


@functools.cache
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@functools.cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _cost(job: dict) -> int:
    return len(job.get("text") or job.get("ast") or "") * (3 if job.get("citeproc") else 1) + 20_000


def _split(jobs: list[dict], n: int) -> list[list[dict]]:
    batches: list[list[dict]] = [[] for _ in range(n)]
    load = [0] * n
    for job in sorted(jobs, key=_cost, reverse=True):
        i = load.index(min(load))
        batches[i].append(job)
        load[i] += _cost(job)
    return [b for b in batches if b]


def run_jobs(
    jobs: list[dict], workers: int | None = None, cwd: Path | None = None
) -> dict[str, dict]:
    """Run jobs, return ``{id: result}``. A failed job raises RenderError naming the job id."""
    if not jobs:
        return {}
    workers = workers or default_workers()
    # few small jobs: one process is faster than two
    total = sum(_cost(j) for j in jobs)
    n = 1 if total < 150_000 else min(workers, len(jobs))
    batches = _split(jobs, n)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="levelup-pandoc-") as tmp:
        procs = []
        for i, batch in enumerate(batches):
            jobs_file = Path(tmp) / f"jobs-{i}.json"
            out_file = Path(tmp) / f"results-{i}.json"
            jobs_file.write_text(json.dumps(batch), encoding="utf-8")
            proc = subprocess.Popen(
                [pandoc_path(), "lua", str(RUNNER), str(jobs_file), str(out_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=str(cwd) if cwd else None,
            )
            procs.append((proc, out_file))
        for proc, out_file in procs:
            _stdout, stderr = proc.communicate()
            if proc.returncode != 0 or not out_file.exists():
                raise RenderError(
                    f"pandoc failed (exit {proc.returncode}): {stderr.decode('utf-8', 'replace')[-2000:]}",
                    file="<pandoc>",
                )
            results.update(json.loads(out_file.read_text(encoding="utf-8")))
    return results
