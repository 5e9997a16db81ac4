"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (stdlib only).

Chromium reads CDP commands from file descriptor 3 and writes replies/events to fd 4, each
message JSON terminated by a NUL byte. We start it through ``sh`` so that our stdin/stdout
pipes become its fds 3/4: no TCP port, no websocket library, no browser download. The
browser runs in its own process group, which :meth:`Chromium.close` always kills.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from typing import Any

# The flags the project runs Chromium with (see docs/ci.md). The background-networking
# family matters: on a closed network Chromium's own connections are refused otherwise.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-default-browser-check",
    "--remote-debugging-pipe",
)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
INSTALL_HINT = "install it with `apt-get install -y chromium` (Debian)"

EventHandler = Callable[[str, dict[str, Any]], None]


class BrowserError(RuntimeError):
    """Chromium could not be found, started, or stopped answering."""


def find_chromium(explicit: str | os.PathLike[str] | None = None) -> str:
    """Path of the Chromium executable: ``explicit``, ``$LEVELUP_CHROMIUM``, or on ``PATH``."""
    if explicit:
        found = shutil.which(str(explicit))
        if found:
            return found
        raise BrowserError(f"chromium not found at {explicit}: {INSTALL_HINT}")
    candidates = []
    if os.environ.get("LEVELUP_CHROMIUM"):
        candidates.append(os.environ["LEVELUP_CHROMIUM"])
    candidates.extend(CHROMIUM_NAMES)
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(f"chromium not found (looked for {', '.join(candidates)}): {INSTALL_HINT}")


class _Pending:
    __slots__ = ("event", "reply")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reply: dict[str, Any] | None = None


class Chromium:
    """One headless Chromium process driven over the DevTools pipe.

    Use as a context manager; ``close()`` is idempotent and kills the whole process group.
    Event handlers run on the reader thread: they must not block on :meth:`call` (use
    :meth:`call_nowait`).
    """

    def __init__(
        self,
        executable: str | None = None,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 30.0,
    ) -> None:
        self.executable = find_chromium(executable)
        self.extra_args = extra_args
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: str | None = None
        self._log: Any = None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, _Pending] = {}
        self._handlers: dict[str | None, EventHandler] = {}
        self._reader: threading.Thread | None = None
        self._dead: str | None = None
        self.handler_errors: list[str] = []
        self.version: str = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Chromium:
        self._profile = tempfile.mkdtemp(prefix="levelup-chromium-")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        args = [
            *CHROMIUM_FLAGS,
            f"--user-data-dir={self._profile}",
            *self.extra_args,
            "about:blank",
        ]
        try:
            self._proc = subprocess.Popen(
                ["sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>&2', "sh", self.executable, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                start_new_session=True,
            )
        except OSError as exc:
            self.close()
            raise BrowserError(f"could not start {self.executable}: {exc}") from exc
        self._reader = threading.Thread(target=self._read_loop, name="cdp-reader", daemon=True)
        self._reader.start()
        try:
            info = self.call("Browser.getVersion", timeout=self.start_timeout)
        except BrowserError:
            self.close()
            raise
        self.version = info.get("product", "")
        return self

    def __enter__(self) -> Chromium:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stderr_tail(self, lines: int = 15) -> str:
        if self._log is None:
            return ""
        try:
            self._log.seek(0)
            text = self._log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        proc = self._proc
        if proc is not None:
            if proc.poll() is None and self._dead is None:
                with contextlib.suppress(BrowserError):
                    self.call("Browser.close", timeout=5)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
            self._proc = None
            # whatever happened, no renderer/zygote/gpu process outlives us
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        self._fail_pending("chromium was closed")
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None

    # -- messaging -------------------------------------------------------------------------
    def on(self, session_id: str | None, handler: EventHandler | None) -> None:
        """Route events of ``session_id`` (None: browser-level) to ``handler``."""
        with self._lock:
            if handler is None:
                self._handlers.pop(session_id, None)
            else:
                self._handlers[session_id] = handler

    def _send(
        self, method: str, params: dict[str, Any] | None, session_id: str | None
    ) -> tuple[int, _Pending]:
        if self._dead is not None or self._proc is None or self._proc.stdin is None:
            raise BrowserError(f"chromium is not running ({self._dead or 'not started'})")
        with self._lock:
            self._next_id += 1
            msg_id = self._next_id
            pending = _Pending()
            self._pending[msg_id] = pending
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        data = json.dumps(message).encode() + b"\0"
        # a separate lock for writing: the reader thread never waits on a blocked write
        with self._write_lock:
            try:
                self._proc.stdin.write(data)
                self._proc.stdin.flush()
            except (OSError, ValueError) as exc:
                with self._lock:
                    self._pending.pop(msg_id, None)
                raise BrowserError(f"chromium pipe closed: {exc}") from exc
        return msg_id, pending

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session_id: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """Send a command and wait for its result; raises :class:`BrowserError` on error."""
        msg_id, pending = self._send(method, params, session_id)
        if not pending.event.wait(timeout):
            with self._lock:
                self._pending.pop(msg_id, None)
            raise BrowserError(f"{method}: no answer from chromium within {timeout:g}s")
        reply = pending.reply or {}
        if "error" in reply:
            err = reply["error"]
            raise BrowserError(f"{method}: {err.get('message', err)} {err.get('data', '')}".strip())
        return reply.get("result", {})

    def call_nowait(
        self, method: str, params: dict[str, Any] | None = None, session_id: str | None = None
    ) -> None:
        """Send a command without waiting (safe from event handlers)."""
        msg_id, _ = self._send(method, params, session_id)
        with self._lock:
            self._pending.pop(msg_id, None)

    def _read_loop(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        buffer = b""
        reason = "chromium exited"
        try:
            while True:
                chunk = stream.read1(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    if raw:
                        self._dispatch(json.loads(raw))
        except (OSError, ValueError) as exc:
            reason = f"chromium pipe error: {exc}"
        finally:
            proc = self._proc
            code = proc.poll() if proc is not None else None
            self._dead = reason + (f" (exit code {code})" if code is not None else "")
            self._fail_pending(self._dead)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._lock:
                pending = self._pending.pop(message["id"], None)
            if pending is not None:
                pending.reply = message
                pending.event.set()
            return
        with self._lock:
            handler = self._handlers.get(message.get("sessionId"))
        if handler is not None:
            try:
                handler(message.get("method", ""), message.get("params", {}))
            except Exception as exc:  # a bug in a handler must not kill the reader thread
                with self._lock:
                    self.handler_errors.append(f"{message.get('method')}: {exc!r}")

    def _fail_pending(self, reason: str) -> None:
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for p in pending:
            p.reply = {"error": {"message": reason}}
            p.event.set()
