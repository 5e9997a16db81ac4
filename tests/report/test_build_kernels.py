"""Warm kernels: a reused kernel starts every notebook from the same state; kept kernels are
adopted by the next build and can be stopped."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from levelup.report.kernels import list_kept_kernels, stop_kept_kernels

from .build_support import PIPELINE, copy_project, make_project, run_build, statuses

pytestmark = pytest.mark.usefixtures("mirror")

PARAMS = 'edition = "2025"\ndata_vintage = ""\nboundary_year = 0\noutput_dir = ""'

POLLUTER = """\
import os, sys, warnings
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from levelup.findings.table import Findings
leak = "left behind"
pd.set_option("display.max_rows", 3)
matplotlib.rcParams["lines.linewidth"] = 9.0
os.environ["LEVELUP_TEST_LEAK"] = "1"
sys.path.insert(0, "/nowhere")
warnings.simplefilter("error")
plt.figure()
f = Findings("a-polluter", output_dir)
f.add("state.polluted", 1, decimals=0)
f.save()
os.chdir("/")
"""

CHECKER = """\
import os, sys, warnings
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pathlib import Path
from levelup.findings.table import Findings
f = Findings("b-checker", output_dir)
problems = []
if "leak" in globals(): problems.append("user namespace")
if pd.get_option("display.max_rows") != 60: problems.append("pandas options")
if matplotlib.rcParams["lines.linewidth"] == 9.0: problems.append("rcParams")
if "LEVELUP_TEST_LEAK" in os.environ: problems.append("environment")
if "/nowhere" in sys.path: problems.append("sys.path")
if plt.get_fignums(): problems.append("open figures")
if Path.cwd().name != "missions": problems.append("cwd " + os.getcwd())
if not os.environ.get("LEVELUP_READS_LOG"): problems.append("reads log")
if ("error", None, Warning, None, 0) in warnings.filters: problems.append("warning filters")
f.add("state.problems", len(problems), decimals=0, display="; ".join(problems) or "none")
f.add("state.random", float(np.random.random()), decimals=6)
f.add("state.count", get_ipython().execution_count, decimals=0)
f.save()
"""


def _notebook(path: Path, code: str) -> None:
    cells = [new_code_cell(PARAMS, metadata={"tags": ["parameters"]}), new_code_cell(code)]
    for i, cell in enumerate(cells):
        cell["id"] = f"{path.stem}-{i}"
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def isolation_project(tmp_path) -> Path:
    project = make_project(tmp_path / "project")
    shutil.rmtree(project / "analysis")
    missions = project / "analysis" / "missions"
    _notebook(missions / "a-polluter.ipynb", POLLUTER)
    _notebook(missions / "b-checker.ipynb", CHECKER)
    (project / "chapters").mkdir(exist_ok=True)
    (project / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Isolation\n  chapters:\n    - index.qmd\n"
    )
    (project / "index.qmd").write_text(
        "# Isolation\n\nProblems: {{< var b-checker.state.problems >}}.\n"
    )
    return project


def test_each_notebook_starts_from_a_pristine_kernel(isolation_project, tmp_path):
    result = run_build(isolation_project, tmp_path / "cache", jobs=1, formats=("html",))
    ran = [r for r in result.notebooks if r.status == "ran"]
    assert [Path(r.job.rel).stem for r in ran] == ["a-polluter", "b-checker"]
    assert ran[0].kernel == ran[1].kernel  # the same kernel ran both, one after the other
    findings = (isolation_project / "_output/2025/findings.csv").read_text()
    assert "b-checker.state.problems,,,,,,,0.0,,,,,,b-checker,none" in findings
    # the checker alone on a fresh kernel sees exactly the same state (counter, random numbers)
    alone = copy_project(isolation_project, tmp_path / "alone")
    (alone / "analysis/missions/a-polluter.ipynb").unlink()
    result = run_build(alone, tmp_path / "cache2", jobs=1, formats=("html",))
    assert statuses(result) == {"b-checker": "ran"}

    def state(root: Path) -> list[str]:
        lines = (root / "_output/2025/findings.csv").read_text().splitlines()
        return [line for line in lines if line.startswith("b-checker.")]

    assert state(alone) == state(isolation_project)


def test_kept_kernels_are_adopted_by_the_next_build_and_can_be_stopped(tmp_path):
    cache = tmp_path / "cache"
    registry = cache / "build" / "kernels"
    project = make_project(tmp_path / "project")
    try:
        first = run_build(project, cache, keep_kernels=120.0, jobs=1)
        assert first.kernels["started"] == 1 and first.kernels["adopted"] == 0
        kept = list_kept_kernels(registry)
        assert len(kept) == 1 and kept[0][1]
        pid = kept[0][0].pid
        nb = project / "analysis" / "missions" / "m07-health.ipynb"
        nb.write_text(nb.read_text().replace("10.3]", "10.7]"))
        second = run_build(project, cache, keep_kernels=120.0, jobs=1)
        assert second.kernels["started"] == 0 and second.kernels["adopted"] == 1
        assert statuses(second)["m07-health"] == "ran"
        # a build with another fingerprint (another project) does not adopt them
        other = copy_project(PIPELINE, tmp_path / "other")
        shutil.copytree(project / "data", other / "data")
        nb2 = other / "analysis" / "missions" / "m07-health.ipynb"
        nb2.write_text(nb2.read_text().replace("10.3]", "10.8]"))
        third = run_build(other, cache, keep_kernels=0.0, jobs=1, output_root=tmp_path / "o")
        assert third.kernels["adopted"] == 0 and third.kernels["started"] == 1
    finally:
        stop_kept_kernels(registry)
    # the kept kernel had another project's fingerprint: the third build shut it down
    assert not _alive(pid)
    assert list_kept_kernels(registry) == []


def _alive(pid: int) -> bool:
    from levelup.processes import pid_alive

    return pid_alive(pid)
