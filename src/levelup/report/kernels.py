"""A pool of warm, reused Jupyter kernels for executing the analysis notebooks.

Starting a kernel and importing pandas, matplotlib, scipy and ``levelup`` costs seconds per
notebook, more than most notebooks take to run. The build therefore starts a few kernels at once
(``--jobs``, default the number of CPUs), warms them by importing what the notebooks import, and
runs the notebooks one after another in each, resetting the kernel between notebooks
(:mod:`levelup.report._kernel`).

Kernels are ipykernel on *this* interpreter (``sys.executable``), never whatever ``python3``
kernelspec is on the PATH, and talk over Unix sockets (IPC) where the path is short enough.

**Kept-alive kernels.** With ``keep_seconds > 0`` the kernels outlive the build: they are recorded
in ``<cache>/build/kernels/`` with a fingerprint (interpreter, library and lockfile hashes, data
manifest and configuration hashes, project, mirror, cache) and the next build whose fingerprint
matches adopts them instead of starting new ones, so an edit-rebuild loop skips kernel start and
imports altogether. A kernel left unused for ``keep_seconds`` exits by itself (a watchdog inside
it); anything that changes the fingerprint shuts the old kernels down. A kernel in use is locked
(``flock``), so two builds never share one. ``levelup kernels stop`` stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from levelup.processes import pid_alive

_KEPT_PROCS: list[subprocess.Popen] = []
KERNEL_ENV_DROP = ("JPY_PARENT_PID", "LEVELUP_READS_LOG", "SOURCE_DATE_EPOCH")
_MAX_IPC_PATH = 90


class KernelError(RuntimeError):
    """A kernel could not be started, warmed or reset."""


@dataclass
class KernelRecord:
    """A kept-alive kernel as recorded in the registry."""

    name: str
    pid: int
    connection_file: str
    fingerprint: str
    started: float
    keep_seconds: float

    @classmethod
    def read(cls, path: Path) -> KernelRecord | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def _is_our_kernel(pid: int, connection_file: str) -> bool:
    """The pid still runs ipykernel with this connection file (pids are reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid_alive(pid)
    return os.fsencode(connection_file) in cmdline


class _KernelManagerShim:
    """What nbclient needs of a KernelManager, for a kernel this module manages itself."""

    ipykernel = True
    has_kernel = True

    def __init__(self, kernel: Kernel):
        self.kernel = kernel

    async def is_alive(self) -> bool:
        return self.kernel.alive()

    def client(self):  # pragma: no cover - nbclient is always given our client
        return self.kernel.kc

    async def interrupt_kernel(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.kernel.pid, signal.SIGINT)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.kernel.kill()

    async def cleanup_resources(self, restart: bool = False) -> None:
        return None


@dataclass
class Kernel:
    """One ipykernel process and our client to it."""

    name: str
    pid: int
    connection_file: Path
    proc: subprocess.Popen | None = None
    kc: object = None
    lock_handle: object = None
    adopted: bool = False
    warmed: set[str] = field(default_factory=set)
    notebooks_run: int = 0

    @property
    def km(self) -> _KernelManagerShim:
        return _KernelManagerShim(self)

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return pid_alive(self.pid)

    async def connect(self, timeout: float) -> None:
        from jupyter_client.asynchronous.client import AsyncKernelClient

        kernel = self

        class Client(AsyncKernelClient):
            # liveness from the process, not heartbeats (which a busy 2-core machine misses)
            async def _async_is_alive(self) -> bool:
                return kernel.alive()

            is_alive = _async_is_alive

        kc = Client()
        kc.load_connection_file(str(self.connection_file))
        kc.start_channels(hb=False)
        try:
            await kc.wait_for_ready(timeout=timeout)
        except RuntimeError as exc:
            kc.stop_channels()
            raise KernelError(f"kernel {self.name} did not start: {exc}") from None
        kc.allow_stdin = False
        self.kc = kc

    async def run(self, code: str, timeout: float | None = 600) -> dict:
        """Execute harness code (not recorded in history); raise KernelError on error."""
        try:
            reply = await self.kc.execute_interactive(
                code,
                store_history=False,
                allow_stdin=False,
                timeout=timeout,
                output_hook=lambda msg: None,
            )
        except TimeoutError:
            raise KernelError(f"kernel {self.name} did not answer within {timeout}s") from None
        content = reply["content"]
        if content.get("status") != "ok":
            tb = "\n".join(content.get("traceback") or [])
            raise KernelError(
                f"kernel {self.name}: {content.get('ename')}: {content.get('evalue')}\n{tb}"
            )
        return content

    def stop_client(self) -> None:
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None

    def kill(self) -> None:
        self.stop_client()
        with contextlib.suppress(ProcessLookupError):
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=5)

    async def shutdown(self) -> None:
        """Ask the kernel to exit; kill it when it does not within a few seconds."""
        if self.kc is not None and self.alive():
            with contextlib.suppress(Exception):
                self.kc.shutdown()
            for _ in range(50):
                if not self.alive():
                    break
                await asyncio.sleep(0.05)
        self.kill()
        _remove_connection(self.connection_file)


def _remove_connection(connection_file: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(Path(connection_file).read_text())
        if info.get("transport") == "ipc":
            for key in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
                Path(f"{info['ip']}-{info[key]}").unlink(missing_ok=True)
    Path(connection_file).unlink(missing_ok=True)


class KernelPool:
    """Up to ``size`` warm kernels; see the module docstring."""

    def __init__(
        self,
        size: int,
        registry: Path,
        env: dict[str, str],
        fingerprint: str,
        keep_seconds: float = 0.0,
        cwd: Path | None = None,
        startup_timeout: float = 120.0,
    ):
        self.size = max(1, size)
        self.registry = Path(registry)
        self.env = env
        self.fingerprint = fingerprint
        self.keep_seconds = keep_seconds
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.kernels: list[Kernel] = []
        self.started = 0
        self.adopted = 0
        self.restarted = 0
        self.closing = False

    # ------------------------------------------------------------------ registry
    def _record_path(self, name: str) -> Path:
        return self.registry / f"{name}.json"

    def _lock(self, name: str):
        self.registry.mkdir(parents=True, exist_ok=True)
        handle = open(self.registry / f"{name}.lock", "a+")  # noqa: SIM115 - held while in use
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return handle

    def _unlock(self, kernel: Kernel) -> None:
        if kernel.lock_handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(kernel.lock_handle, fcntl.LOCK_UN)
                kernel.lock_handle.close()
            kernel.lock_handle = None

    def _forget(self, name: str) -> None:
        self._record_path(name).unlink(missing_ok=True)
        (self.registry / f"{name}.lock").unlink(missing_ok=True)
        (self.registry / f"{name}.log").unlink(missing_ok=True)

    async def _adopt(self, want: int) -> list[Kernel]:
        """Kept-alive kernels with our fingerprint that nobody else is using."""
        found: list[Kernel] = []
        if not self.registry.is_dir():
            return found
        for path in sorted(self.registry.glob("*.json")):
            record = KernelRecord.read(path)
            if record is None:
                continue
            lock = self._lock(record.name)
            if lock is None:
                continue  # in use by another build
            alive = pid_alive(record.pid) and _is_our_kernel(record.pid, record.connection_file)
            if not alive or record.fingerprint != self.fingerprint or len(found) >= want:
                if alive and record.fingerprint != self.fingerprint:
                    stale = Kernel(record.name, record.pid, Path(record.connection_file))
                    with contextlib.suppress(Exception):
                        await stale.connect(timeout=5)
                    await stale.shutdown()
                if not alive or record.fingerprint != self.fingerprint:
                    _remove_connection(Path(record.connection_file))
                    self._forget(record.name)
                with contextlib.suppress(OSError):
                    lock.close()
                continue
            kernel = Kernel(
                record.name,
                record.pid,
                Path(record.connection_file),
                lock_handle=lock,
                adopted=True,
            )
            try:
                await kernel.connect(timeout=10)
                await kernel.run("pass", timeout=10)
            except Exception:  # noqa: BLE001 - unusable: replace it
                kernel.kill()
                _remove_connection(kernel.connection_file)
                self._forget(record.name)
                self._unlock(kernel)
                continue
            found.append(kernel)
        return found

    # ------------------------------------------------------------------ start / stop
    def _launch(self) -> Kernel:
        from jupyter_client.connect import write_connection_file

        _KEPT_PROCS[:] = [p for p in _KEPT_PROCS if p.poll() is None]

        self.registry.mkdir(parents=True, exist_ok=True)
        name = f"k{os.getpid()}-{secrets.token_hex(4)}"
        lock = self._lock(name)
        connection_file = self.registry / f"{name}.connection"
        ipc_base = self.registry / name
        transport, ip = (
            ("ipc", str(ipc_base))
            if len(str(ipc_base)) + 8 <= _MAX_IPC_PATH
            else ("tcp", "127.0.0.1")
        )
        write_connection_file(
            str(connection_file),
            ip=ip,
            transport=transport,
            key=secrets.token_hex(32).encode(),
            kernel_name="levelup",
        )
        os.chmod(connection_file, 0o600)
        env = {k: v for k, v in os.environ.items() if k not in KERNEL_ENV_DROP}
        env.update(self.env)
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        if self.keep_seconds <= 0:
            env["JPY_PARENT_PID"] = str(os.getpid())  # dies with the build
        log = open(self.registry / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-Xfrozen_modules=off",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    str(connection_file),
                    "--IPKernelApp.log_level=ERROR",
                    "--HistoryManager.enabled=False",
                ],
                env=env,
                cwd=str(self.cwd) if self.cwd else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=self.keep_seconds > 0,
            )
        finally:
            log.close()
        kernel = Kernel(name, proc.pid, connection_file, proc=proc, lock_handle=lock)
        self.started += 1
        return kernel

    def _record(self, kernel: Kernel) -> None:
        record = KernelRecord(
            kernel.name,
            kernel.pid,
            str(kernel.connection_file),
            self.fingerprint,
            time.time(),
            self.keep_seconds,
        )
        self._record_path(kernel.name).write_text(json.dumps(record.__dict__, indent=1))

    async def _start_one(self) -> Kernel:
        kernel = self._launch()
        try:
            await kernel.connect(timeout=self.startup_timeout)
        except Exception as exc:
            log = self.registry / f"{kernel.name}.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            kernel.kill()
            _remove_connection(kernel.connection_file)
            self._record_path(kernel.name).unlink(missing_ok=True)
            self._unlock(kernel)
            raise KernelError(
                f"a Jupyter kernel ({sys.executable} -m ipykernel_launcher) did not start: "
                f"{type(exc).__name__}: {exc}\n{tail}"
            ) from None
        if self.keep_seconds > 0:
            self._record(kernel)
        return kernel

    async def start(self, want: int, warm_modules: list[str]) -> None:
        """Adopt kept kernels, start the rest concurrently, and warm them all."""
        want = max(1, min(want, self.size))
        adopted = await self._adopt(want)
        self.adopted += len(adopted)
        started = await asyncio.gather(
            *(self._start_one() for _ in range(want - len(adopted))), return_exceptions=True
        )
        errors = [k for k in started if isinstance(k, BaseException)]
        self.kernels = adopted + [k for k in started if isinstance(k, Kernel)]
        if not self.kernels:
            raise errors[0] if errors else KernelError("no kernel could be started")
        await asyncio.gather(*(self.warm(k, warm_modules) for k in self.kernels))

    async def warm(self, kernel: Kernel, modules: list[str]) -> None:
        todo = [m for m in modules if m not in kernel.warmed]
        code = (
            "import levelup.report._kernel as _lk\n"
            f"_lk.warm({todo!r}, idle_seconds={float(self.keep_seconds)!r})\n"
            "del _lk"
        )
        await kernel.run(code, timeout=self.startup_timeout)
        kernel.warmed.update(todo)

    async def replace(self, kernel: Kernel, warm_modules: list[str]) -> Kernel:
        """A kernel died or hung: kill it and start a fresh one in its place."""
        if self.closing:
            raise KernelError("the build is stopping")
        await kernel.shutdown()
        self._forget(kernel.name)
        self._unlock(kernel)
        fresh = await self._start_one()
        self.restarted += 1
        await self.warm(fresh, warm_modules)
        self.kernels[self.kernels.index(kernel)] = fresh
        return fresh

    async def close(self) -> None:
        """Keep the kernels for the next build (``keep_seconds > 0``) or shut them down."""
        for kernel in self.kernels:
            if self.keep_seconds > 0 and kernel.alive():
                kernel.stop_client()
                if not kernel.adopted:
                    self._record(kernel)
                if kernel.proc is not None:  # reaped later (no zombie, no ResourceWarning)
                    _KEPT_PROCS.append(kernel.proc)
            else:
                await kernel.shutdown()
                self._forget(kernel.name)
            self._unlock(kernel)
        self.kernels = []


def stop_kept_kernels(registry: Path) -> int:
    """Stop every kept-alive kernel recorded in ``registry`` (not ones in use); return how many."""
    registry = Path(registry)
    if not registry.is_dir():
        return 0
    stopped = 0
    for path in sorted(registry.glob("*.json")):
        record = KernelRecord.read(path)
        if record is None:
            continue
        handle = open(registry / f"{record.name}.lock", "a+")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            if pid_alive(record.pid) and _is_our_kernel(record.pid, record.connection_file):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(record.pid, signal.SIGTERM)
                for _ in range(40):
                    if not pid_alive(record.pid):
                        break
                    time.sleep(0.05)
                with contextlib.suppress(ProcessLookupError):
                    if pid_alive(record.pid):
                        os.kill(record.pid, signal.SIGKILL)
                stopped += 1
            _remove_connection(Path(record.connection_file))
            path.unlink(missing_ok=True)
            (registry / f"{record.name}.log").unlink(missing_ok=True)
        finally:
            handle.close()
            (registry / f"{record.name}.lock").unlink(missing_ok=True)
    return stopped


def list_kept_kernels(registry: Path) -> list[tuple[KernelRecord, bool]]:
    """Recorded kept-alive kernels and whether each is still running."""
    registry = Path(registry)
    out = []
    for path in sorted(registry.glob("*.json")) if registry.is_dir() else []:
        record = KernelRecord.read(path)
        if record is not None:
            out.append(
                (
                    record,
                    pid_alive(record.pid) and _is_our_kernel(record.pid, record.connection_file),
                )
            )
    return out
