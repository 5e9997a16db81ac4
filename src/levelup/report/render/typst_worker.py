"""A kept-alive Typst compiler, so that rebuilding the PDF after an edit is incremental.

Typst memoises layout within one process: after a one-paragraph edit, recompiling the
147-page book takes about 0.2 s instead of the first compilation's 1.1 s, and the PDF is
byte-identical to a fresh compilation. A build process lives for one build, so the build hands
the PDF to this worker, which outlives it like the warm Jupyter kernels (``levelup build
--keep-kernels``) and exits by itself after ``idle_seconds`` without a request.

Protocol: ``multiprocessing.connection`` over a Unix socket with a random key; the worker's
address, key, pid and fingerprint (typst version and this package's PDF code) are in
``<state_dir>/typst-worker.json`` (mode 0600). A worker with another fingerprint is replaced.
Any failure to reach a worker makes :meth:`TypstWorker.compile` compile in the build process
instead, so the worker can only make a build faster, never break it.

Run as ``python -m levelup.report.render.typst_worker STATE_DIR IDLE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path

from levelup.processes import pid_alive

from .pdf import TEMPLATE, prepare_build_dir, typst_compile

STATE_FILE = "typst-worker.json"
START_TIMEOUT = 20.0  # seconds for a new worker to listen
REPLY_TIMEOUT = 600.0  # seconds for one compilation


def fingerprint() -> str:
    """What a worker's compilations depend on besides the request: the typst package and the
    code of this package that drives it."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("typst").encode())
    for path in (Path(__file__).with_name("pdf.py"), Path(__file__), TEMPLATE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


class TypstWorker:
    """Client side: compile through the kept worker of ``state_dir`` (starting one if needed)."""

    def __init__(self, state_dir: Path, idle_seconds: float):
        self.state_dir = Path(state_dir)
        self.idle_seconds = idle_seconds
        self.used_worker = False  # the last compile went through a worker
        self.fallback_reason = ""

    def compile(
        self, build_dir: Path, main_text: str, images: Mapping[str, bytes], epoch: int | None
    ) -> tuple[bytes, list[str]]:
        main = prepare_build_dir(build_dir, main_text, images)
        request = {"main": str(main), "root": str(build_dir), "epoch": epoch}
        try:
            reply = self._request(request)
        except (OSError, EOFError, TimeoutError, ValueError, AuthenticationError) as exc:
            self.used_worker, self.fallback_reason = False, f"{type(exc).__name__}: {exc}"
            return typst_compile(main, build_dir, epoch)
        self.used_worker = True
        if reply[0] == "ok":
            return reply[1], reply[2]
        # the document itself does not compile: the same error, raised here
        return typst_compile(main, build_dir, epoch)

    def _request(self, request: dict):
        state = self._live_state()
        if state is None:
            state = self._start()
        with contextlib.closing(
            Client(state["address"], family="AF_UNIX", authkey=bytes.fromhex(state["key"]))
        ) as conn:
            conn.send(("compile", request))
            if not conn.poll(REPLY_TIMEOUT):
                raise TimeoutError(f"no reply from the Typst worker in {REPLY_TIMEOUT:.0f} s")
            return conn.recv()

    def _live_state(self) -> dict | None:
        state = read_state(self.state_dir)
        if state is None:
            return None
        if state.get("fingerprint") != fingerprint() or not pid_alive(state["pid"]):
            stop_worker(self.state_dir)
            return None
        return state

    def _start(self) -> dict:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "typst-worker.log", "ab") as log:
            subprocess.Popen(  # noqa: S603 - our own module, with the running interpreter
                [sys.executable, "-m", __name__, str(self.state_dir), str(self.idle_seconds)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # outlives the build
                cwd=str(self.state_dir),
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            state = read_state(self.state_dir)
            if state is not None and pid_alive(state["pid"]):
                return state
            time.sleep(0.02)
        raise TimeoutError(f"the Typst worker did not start in {START_TIMEOUT:.0f} s")


def read_state(state_dir: Path) -> dict | None:
    try:
        return json.loads((Path(state_dir) / STATE_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def stop_worker(state_dir: Path) -> bool:
    """Stop the kept worker of ``state_dir``, if any; whether one was running."""
    state = read_state(state_dir)
    (Path(state_dir) / STATE_FILE).unlink(missing_ok=True)
    if state is None:
        return False
    running = pid_alive(state["pid"])
    if running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state["pid"], signal.SIGTERM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(state["address"])
    return running


def _log(message: str) -> None:
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S')} typst worker {os.getpid()}: {message}",
        file=sys.stderr,
        flush=True,
    )


# ------------------------------------------------------------------------------- worker side
def serve(state_dir: Path, idle_seconds: float) -> None:
    """Listen for compile requests until ``idle_seconds`` pass without one."""
    state_dir = Path(state_dir)
    key = secrets.token_bytes(32)
    address = os.path.join(tempfile.gettempdir(), f"levelup-typst-{secrets.token_hex(8)}.sock")
    listener = Listener(address, family="AF_UNIX", authkey=key)
    os.chmod(address, 0o600)
    last = [time.monotonic()]
    busy = threading.Event()

    def watchdog() -> None:
        while busy.is_set() or time.monotonic() - last[0] < idle_seconds:
            time.sleep(min(1.0, max(idle_seconds / 4, 0.05)))
        _log(f"idle for {idle_seconds:g} s: exiting")
        current = read_state(state_dir)
        if current is not None and current.get("pid") == os.getpid():
            (state_dir / STATE_FILE).unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)
        os._exit(0)

    state = {"pid": os.getpid(), "address": address, "key": key.hex(), "fingerprint": fingerprint()}
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(state))
    os.chmod(tmp, 0o600)
    os.replace(tmp, state_dir / STATE_FILE)
    threading.Thread(target=watchdog, daemon=True).start()
    _log(f"listening (state in {state_dir}, idle exit after {idle_seconds:g} s)")
    while True:
        try:
            conn = listener.accept()
        except Exception:  # noqa: BLE001, S112 - a failed handshake: wait for the next client
            continue
        busy.set()
        with contextlib.closing(conn):
            try:
                kind, request = conn.recv()
                if kind != "compile":
                    continue
                try:
                    started = time.perf_counter()
                    pdf, warnings = typst_compile(
                        Path(request["main"]), Path(request["root"]), request["epoch"]
                    )
                    conn.send(("ok", pdf, warnings))
                    _log(f"compiled {request['main']} in {time.perf_counter() - started:.2f} s")
                except Exception as exc:  # noqa: BLE001 - reported to the build
                    conn.send(("error", str(exc)))
            except (EOFError, OSError) as exc:
                _log(f"request dropped: {type(exc).__name__}: {exc}")
            finally:
                last[0] = time.monotonic()
                busy.clear()


if __name__ == "__main__":  # pragma: no cover - exercised through TypstWorker in the tests
    serve(Path(sys.argv[1]), float(sys.argv[2]))
