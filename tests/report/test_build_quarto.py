"""The Quarto path of `levelup build` (a fake `quarto` first on PATH)."""

from __future__ import annotations

import json
import sys

import pytest

from .build_support import make_project, run_build, statuses
from .helpers import install_fake_quarto

pytestmark = pytest.mark.usefixtures("mirror")

FAKE_QUARTO = """\
#!{python}
import json, os, pathlib, sys
cwd = pathlib.Path.cwd()
profile = sys.argv[sys.argv.index("--profile") + 1]
nb = json.loads((cwd / "analysis/missions/m07-health.ipynb").read_text())
record = {{
    "argv": sys.argv[1:],
    "variables": (cwd / "_variables.yml").read_text(),
    "executed": any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"),
    "injected": any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"]),
}}
pathlib.Path(os.environ["FAKE_QUARTO_RECORD"]).write_text(json.dumps(record))
out_rel = f"_output/quarto/{{profile}}"
out = cwd / out_rel
(out / "chapters").mkdir(parents=True, exist_ok=True)
(out / "index.html").write_text("<html lang='en-GB'><body>rendered by quarto</body></html>")
(out / "chapters" / "health.html").write_text("<html><body>health</body></html>")
(out / f"pipeline-fixture-{{profile}}.pdf").write_bytes(b"%PDF-1.7 fake")
# Quarto runs the project's post-render scripts (src/project/project-scripts.ts)
import subprocess, yaml
local = yaml.safe_load((cwd / "_quarto.yml.local").read_text())
for script in local["project"]["post-render"]:
    env = {{**os.environ, "QUARTO_PROJECT_OUTPUT_DIR": out_rel}}
    subprocess.run([sys.executable, script], cwd=cwd, env=env, check=True)
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    script = FAKE_QUARTO.format(python=sys.executable)
    return install_fake_quarto(tmp_path, monkeypatch, script, "record.json")


def test_auto_engine_uses_quarto_on_path(tmp_path, fake_quarto):
    project = make_project(tmp_path / "project")
    result = run_build(project, tmp_path / "cache", engine="auto")
    assert result.engine == "quarto" and result.status == "built"
    assert set(statuses(result).values()) == {"ran"}
    record = json.loads(fake_quarto.read_text())
    assert record["argv"] == ["render", "--profile", "2025"]
    assert "gap: 10.3 years" in record["variables"]
    assert record["executed"] and record["injected"]  # executed notebooks at their source paths
    out = project / "_output" / "2025"
    assert "rendered by quarto" in (out / "site" / "index.html").read_text()
    assert (out / "pipeline-fixture-2025.pdf").read_bytes() == b"%PDF-1.7 fake"
    assert (out / "site" / "pipeline-fixture-2025.pdf").exists()
    assert sorted(p.name for p in (out / "site" / "data").iterdir()) == [
        "fig-hle-gap.csv",
        "fig-ks2.csv",
        "fig-satisfaction.csv",
    ]
    titles = [c["title"] for c in json.loads((out / "chapters.json").read_text())]
    assert titles == [
        "Preface",
        "Education",
        "Health",
        "Social capital",
        "What changed",
        "References",
    ]
    assert json.loads((out / "build.json").read_text())["engine"] == "quarto"
    # both engines give readers the edition switcher and the colophon
    assert 'class="edition-switcher"' in (out / "site" / "index.html").read_text()
    assert 'class="colophon"' in (out / "site" / "chapters" / "health.html").read_text()
    # Quarto rendered the staged project the build leaves for plain `quarto render`
    stage = project / "_output" / "stage" / "2025"
    assert (stage / "_environment").read_text() == "QUARTO_PROFILE=2025\n"
    assert "gap: 10.3 years" in (stage / "_variables.yml").read_text()


def test_a_builtin_build_leaves_the_staged_quarto_project_too(tmp_path):
    """After `levelup build` (built-in engine, no Quarto anywhere), `_output/stage/<edition>` has
    what `quarto render` needs: executed notebooks at their source paths, the variables, the
    profile named in `_environment`."""
    project = make_project(tmp_path / "project")
    result = run_build(project, tmp_path / "cache", engine="builtin")
    assert result.engine == "builtin"
    stage = project / "_output" / "stage" / "2025"
    assert (stage / "_environment").read_text() == "QUARTO_PROFILE=2025\n"
    assert "gap: 10.3 years" in (stage / "_variables.yml").read_text()
    nb = json.loads((stage / "analysis" / "missions" / "m07-health.ipynb").read_text())
    assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert (stage / "_levelup" / "post_render.py").is_file()
