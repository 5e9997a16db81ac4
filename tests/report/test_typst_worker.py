"""The kept-alive Typst compiler: same PDF as compiling in the build, reused across builds,
replaced when stale, stopped on request or when idle, and never a reason for a build to fail."""

from __future__ import annotations

import json
import time

import pytest

from levelup.processes import pid_alive
from levelup.report.render.pdf import compile_pdf
from levelup.report.render.typst_worker import STATE_FILE, TypstWorker, read_state, stop_worker

DOC = "#set page(width: 10cm, height: 6cm)\n= Title\n\nBody text {}.\n"
EPOCH = 1767225600


@pytest.fixture
def worker(tmp_path):
    kept = TypstWorker(tmp_path / "state", idle_seconds=30)
    yield kept
    stop_worker(tmp_path / "state")


def test_the_worker_compiles_the_same_pdf_and_is_reused(worker, tmp_path):
    direct, _ = compile_pdf(tmp_path / "direct", DOC.format(1), {}, EPOCH)
    kept, warnings = worker.compile(tmp_path / "build", DOC.format(1), {}, EPOCH)
    assert worker.used_worker, worker.fallback_reason
    assert kept == direct and warnings == []
    pid = read_state(tmp_path / "state")["pid"]
    edited, _ = worker.compile(tmp_path / "build", DOC.format(2), {}, EPOCH)
    assert worker.used_worker and read_state(tmp_path / "state")["pid"] == pid  # same process
    assert edited == compile_pdf(tmp_path / "direct2", DOC.format(2), {}, EPOCH)[0]
    assert stop_worker(tmp_path / "state")
    for _ in range(100):
        if not pid_alive(pid):
            break
        time.sleep(0.05)
    assert not pid_alive(pid) and read_state(tmp_path / "state") is None


def test_a_stale_worker_is_replaced(worker, tmp_path):
    worker.compile(tmp_path / "build", DOC.format(1), {}, EPOCH)
    state_path = tmp_path / "state" / STATE_FILE
    old = json.loads(state_path.read_text())
    state_path.write_text(json.dumps({**old, "fingerprint": "another typst"}))
    worker.compile(tmp_path / "build", DOC.format(1), {}, EPOCH)
    assert worker.used_worker and read_state(tmp_path / "state")["pid"] != old["pid"]


def test_an_unreachable_worker_falls_back_to_compiling_in_the_build(worker, tmp_path):
    worker.compile(tmp_path / "build", DOC.format(1), {}, EPOCH)
    state_path = tmp_path / "state" / STATE_FILE
    state = json.loads(state_path.read_text())
    state_path.write_text(json.dumps({**state, "key": "00" * 32}))  # wrong key: refused
    pdf, _ = worker.compile(tmp_path / "build", DOC.format(3), {}, EPOCH)
    assert not worker.used_worker and worker.fallback_reason
    assert pdf == compile_pdf(tmp_path / "direct", DOC.format(3), {}, EPOCH)[0]


def test_an_idle_worker_exits_by_itself(tmp_path):
    worker = TypstWorker(tmp_path / "state", idle_seconds=0.5)
    worker.compile(tmp_path / "build", DOC.format(1), {}, EPOCH)
    pid = read_state(tmp_path / "state")["pid"]
    for _ in range(100):
        if not pid_alive(pid):
            break
        time.sleep(0.05)
    assert not pid_alive(pid)
    assert read_state(tmp_path / "state") is None


def test_the_build_directory_has_one_file_per_chapter_and_keeps_unchanged_ones(tmp_path):
    from levelup.report.render.pdf import compose_book, prepare_build_dir

    def book(second: str) -> str:
        return compose_book(
            title="T",
            subtitle=None,
            authors=[],
            lang="en-GB",
            site_meta={},
            date=None,
            chapters=[(None, "= One\n\nFirst."), ("Part", "= Two\n\n" + second)],
        )

    build = tmp_path / "build"
    main = prepare_build_dir(build, book("Second."), {})
    chapters = sorted(p.name for p in build.glob("chapter-*.typ"))
    assert chapters == ["chapter-000.typ", "chapter-001.typ"]
    assert '#include "chapter-000.typ"' in main.read_text()
    first = (build / "chapter-000.typ").stat().st_mtime_ns
    time.sleep(0.01)
    prepare_build_dir(build, book("Second, edited."), {})
    assert (build / "chapter-000.typ").stat().st_mtime_ns == first  # untouched
    assert "edited" in (build / "chapter-001.typ").read_text()
    pdf, _ = compile_pdf(tmp_path / "again", book("Second."), {}, EPOCH)
    assert pdf.startswith(b"%PDF")
