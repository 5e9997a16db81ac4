"""The download and mirror paths, for real: an HTTP server on 127.0.0.1 serves a copy of part of
the mirror, including a corrupted file, a truncated file and a missing one."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import threading

import pytest

from levelup.data.fetch import DataFetchError, DataStore
from levelup.data.sources import Manifest

SAMPLE = [
    "els/2026-06-26/healthy-life-expectancy/healthy-life-expectancy.csv",
    "els/2026-06-26/homicide-offences/homicide-offences.csv",
    "els/2025-06-24/claimant-count/claimant-count.csv",
    "sdg/2025-09-24/data/indicator_16-1-1.csv",
]


@pytest.fixture(autouse=True)
def no_mirror_from_environment(monkeypatch):
    """``mirror=None`` means "the default mirror"; an empty LEVELUP_DATA_MIRROR turns it off (no
    ../shared/data either), so these tests exercise the download path."""
    monkeypatch.setenv("LEVELUP_DATA_MIRROR", "")


@pytest.fixture()
def served(mirror, tmp_path):
    """A web root holding copies of SAMPLE; yields (base_url, root)."""
    root = tmp_path / "www"
    for rel in SAMPLE:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / rel, target)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def _local_manifest(base_url: str, paths: list[str]) -> Manifest:
    """The real pins of ``paths`` with URLs pointing at the local server."""
    real = Manifest.load()
    return Manifest([dataclasses.replace(real.get(p), url=f"{base_url}/{p}") for p in paths])


def test_download_verifies_and_caches(served, tmp_path):
    base_url, _ = served
    store = DataStore(_local_manifest(base_url, SAMPLE), mirror=None, cache_dir=tmp_path / "cache")
    report = store.fetch(progress=False)
    assert sorted(report.downloaded) == sorted(SAMPLE)
    for rel in SAMPLE:
        local = store.path(rel)
        assert local.is_relative_to(tmp_path / "cache")
        assert local.stat().st_size == store.manifest.get(rel).bytes
    # a second fetch downloads nothing
    assert store.fetch(progress=False).downloaded == []


def test_corrupted_download_is_rejected_and_not_kept(served, tmp_path):
    base_url, root = served
    target = root / SAMPLE[0]
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(data))
    store = DataStore(_local_manifest(base_url, SAMPLE[:1]), cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError) as info:
        store.fetch(progress=False)
    message = str(info.value)
    assert SAMPLE[0] in message and "checksum mismatch" in message
    assert not (tmp_path / "cache" / "files" / SAMPLE[0]).exists()


def test_truncated_download_is_rejected(served, tmp_path):
    base_url, root = served
    target = root / SAMPLE[1]
    target.write_bytes(target.read_bytes()[:1000])
    store = DataStore(_local_manifest(base_url, SAMPLE[1:2]), cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError, match=r"homicide-offences\.csv.*truncated: 1000 bytes"):
        store.fetch(progress=False)


def test_missing_upstream_file_is_an_http_error_naming_the_file(served, tmp_path):
    base_url, root = served
    (root / SAMPLE[2]).unlink()
    store = DataStore(_local_manifest(base_url, SAMPLE), cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError) as info:
        store.fetch(progress=False)
    assert info.value.problems == [
        (SAMPLE[2], f"HTTP 404 File not found from {base_url}/{SAMPLE[2]}")
    ]


def test_unreachable_server_is_reported(tmp_path):
    real = Manifest.load()
    pin = dataclasses.replace(real.get(SAMPLE[0]), url="http://127.0.0.1:9/nothing.csv")
    store = DataStore(Manifest([pin]), cache_dir=tmp_path / "cache", timeout=5)
    with pytest.raises(DataFetchError, match="127.0.0.1 cannot be reached.*LEVELUP_DATA_MIRROR"):
        store.path(SAMPLE[0])


def test_the_first_unreachable_host_stops_the_fetch_with_one_line(tmp_path):
    real = Manifest.load()
    pins = [dataclasses.replace(real.get(p), url=f"http://127.0.0.1:9/{p}") for p in SAMPLE]
    store = DataStore(Manifest(pins), cache_dir=tmp_path / "cache", timeout=5)
    with pytest.raises(DataFetchError) as info:
        store.fetch(progress=False)
    assert len(info.value.problems) == 1  # not one failure per file
    assert "\n" not in str(info.value)
    assert "cannot be reached" in str(info.value) and "--mirror DIR" in str(info.value)


def test_the_mirror_beside_the_project_is_found_like_the_makefile_does(tmp_path, monkeypatch):
    from levelup.paths import default_mirror

    project = tmp_path / "levelup"
    project.mkdir()
    monkeypatch.delenv("LEVELUP_DATA_MIRROR")
    assert default_mirror(project) is None  # no ../shared/data: download
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert default_mirror(project) == tmp_path / "shared" / "data"
    monkeypatch.setenv("LEVELUP_DATA_MIRROR", str(tmp_path / "elsewhere"))
    assert default_mirror(project) == tmp_path / "elsewhere"  # the variable wins
    monkeypatch.setenv("LEVELUP_DATA_MIRROR", "")
    assert default_mirror(project) is None  # set empty (as make does without a mirror): download


def _levelup(*args, env_overrides, cwd=None):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "LEVELUP_DATA_MIRROR"}
    env.update(env_overrides)
    exe = Path(sys.executable).with_name("levelup")
    return subprocess.run(
        [str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_cli_fetch_finds_the_shared_mirror_without_any_variable(tmp_path):
    """`uv run levelup data fetch` in a clone with ../shared beside it: no variable to set."""
    from levelup.paths import PROJECT_ROOT

    if not (PROJECT_ROOT.parent / "shared" / "data").is_dir():
        pytest.skip("no ../shared/data beside this checkout")
    done = _levelup(
        "data", "fetch", "--only", "healthy-life", env_overrides={"LEVELUP_CACHE": str(tmp_path)}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"from mirror {(PROJECT_ROOT.parent / 'shared' / 'data').resolve()}" in done.stdout


def test_cli_without_any_data_source_says_so_in_one_line(tmp_path):
    done = _levelup(
        "data",
        "fetch",
        env_overrides={"LEVELUP_DATA_MIRROR": "", "LEVELUP_CACHE": str(tmp_path)},
    )
    assert done.returncode == 1
    out = (done.stdout + done.stderr).strip()
    assert len(out.splitlines()) == 1, out
    assert out.startswith("error: no data mirror found") and "LEVELUP_DATA_MIRROR" in out


def test_transcriptions_without_upstream_need_a_mirror(tmp_path):
    store = DataStore(Manifest.load(), mirror=None, cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError, match="no upstream URL.*--mirror DIR"):
        store.path("curated/ks2_attainment_england.csv")


def test_mirror_file_missing_or_corrupted(mirror, tmp_path):
    partial = tmp_path / "mirror"
    for rel in SAMPLE[:2]:
        (partial / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / rel, partial / rel)
    bad = partial / SAMPLE[1]
    bad.write_bytes(bad.read_bytes() + b"extra\n")
    store = DataStore(Manifest.load(), mirror=partial, cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError) as info:
        store.fetch([store.manifest.get(p) for p in SAMPLE[:3]], progress=False)
    problems = dict(info.value.problems)
    assert SAMPLE[0] not in problems
    assert "larger than pinned" in problems[SAMPLE[1]]
    assert problems[SAMPLE[2]].startswith("missing from mirror")


def test_a_changed_file_invalidates_its_verification_stamp(mirror, tmp_path):
    partial = tmp_path / "mirror"
    rel = SAMPLE[0]
    (partial / rel).parent.mkdir(parents=True)
    shutil.copyfile(mirror / rel, partial / rel)
    store = DataStore(Manifest.load(), mirror=partial, cache_dir=tmp_path / "cache")
    assert store.path(rel) == partial / rel
    data = bytearray((partial / rel).read_bytes())
    data[-3] ^= 0x01
    (partial / rel).write_bytes(bytes(data))
    fresh = DataStore(Manifest.load(), mirror=partial, cache_dir=tmp_path / "cache")
    with pytest.raises(DataFetchError, match="checksum mismatch"):
        fresh.path(rel)


def test_every_pinned_file_verifies_against_the_mirror(store):
    report = store.fetch(progress=False)
    assert len(report.verified) == len(store.manifest) > 350


def test_cli_fetch_exit_status(mirror, tmp_path):
    from typer.testing import CliRunner

    from levelup.cli import app

    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "data",
            "fetch",
            "--mirror",
            str(mirror),
            "--cache",
            str(tmp_path / "c"),
            "--only",
            "healthy-life",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    missing = runner.invoke(
        app,
        [
            "data",
            "fetch",
            "--mirror",
            str(tmp_path / "empty-mirror"),
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_pins_regenerate_from_the_mirror_listings(mirror):
    """data/sources.toml is exactly what the pinning code derives from the mirror's listings."""
    from levelup.data.pinning import dumps, generate
    from levelup.paths import PROJECT_ROOT

    assert (PROJECT_ROOT / "data" / "sources.toml").read_text() == dumps(generate(mirror))


def _copied_folder_mirror(tmp_path, listed_sha: str, blob_line: str = ""):
    root = tmp_path / "mirror" / "curated"
    (root / "things").mkdir(parents=True)
    (root / "things" / "table.csv").write_bytes(b"a,b\n1,2\n")
    (root / "things" / "other.xlsx").write_bytes(b"workbook")
    (root / "SOURCES.md").write_text(
        "# Curated\n\n### things_2024\n- Licence: OGL v3.0 (ONS).\n"
        "- Where found: GitHub `someone/things`, HEAD " + "a" * 40 + ".\n"
        f"- Copied to `things/table.csv` (8 bytes), sha256 {listed_sha}.\n"
        f"- `other.xlsx`: {blob_line}\n",
        encoding="utf-8",
    )
    return tmp_path / "mirror"


def test_copied_folders_are_pinned_by_the_printed_sha256_and_checked(tmp_path):
    """Sub-folder copies take SOURCES.md's sha256 (verified) or its git blob id (verified)."""
    import hashlib

    from levelup.data.pinning import copied_folder_entries, git_blob_id

    good = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    blob = hashlib.sha1(b"blob 8\0workbook").hexdigest()
    mirror = _copied_folder_mirror(tmp_path / "ok", good, f"blob {blob[:12]}…")
    entries = {e["path"]: e for e in copied_folder_entries(mirror)}
    table, workbook = entries["curated/things/table.csv"], entries["curated/things/other.xlsx"]
    assert table["sha256"] == good and table["licence"] == "OGL v3"
    assert table["upstream_repo"] == "someone/things"
    assert git_blob_id(mirror / "curated/things/other.xlsx") == blob
    assert workbook["description"].startswith(f"git blob {blob}")

    tampered = _copied_folder_mirror(tmp_path / "bad", "0" * 64)
    with pytest.raises(SystemExit, match="things/table.csv: sha256 .* differs"):
        copied_folder_entries(tampered)
