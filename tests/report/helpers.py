"""Shared helpers of the report renderer tests (constants, notebook execution)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

FIXTURE_BOOK = Path(__file__).parent / "fixtures" / "book"
NOTEBOOK = "analysis/missions/health.ipynb"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z

VARIABLES = {
    "edition": "2026",
    "health": {"hle_gap": 10.3},
    "pay": {"growth": 4.2},
}

SITE_META = {
    "edition": "2026",
    "version": "2026.1.0",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "lockfile_sha256": "a" * 64,
    "data_manifest_sha256": "b" * 64,
    "editions": ["2026", "2025"],
}


def execute_notebook(source: Path, target: Path, workdir: Path) -> Path:
    """Execute ``source`` with nbclient on this interpreter's ipykernel; write it to ``target``."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = workdir / "kernels"
    spec_dir = kernels / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (levelup tests)",
                "language": "python",
                "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
            }
        )
    )
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)])
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ksm)
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb, km=km, timeout=120, resources={"metadata": {"path": str(source.parent)}}
    )
    client.execute()
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def copy_book(dst: Path) -> Path:
    """A private copy of the fixture book (tests that edit sources use this)."""
    shutil.copytree(FIXTURE_BOOK, dst, ignore=shutil.ignore_patterns("_book", ".quarto"))
    return dst


# ------------------------------------------------------------------------------------ tiny DOM

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None = None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def text(self) -> str:
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return " ".join("".join(out).split())

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(
        self, tag: str | None = None, cls: str | None = None, **attrs: str
    ) -> list[Element]:
        out = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            if cls is not None and cls not in (el.attrs.get("class") or "").split():
                continue
            if any(el.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(el)
        return out

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None


def parse_html(text: str) -> Element:
    """Parse with the stdlib parser; raises AssertionError on mismatched end tags."""
    from html.parser import HTMLParser

    root = Element("#document", {})

    class _P(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.cur = root

        def handle_starttag(self, tag, attrs):
            el = Element(tag, dict(attrs), self.cur)
            self.cur.children.append(el)
            if tag not in VOID:
                self.cur = el

        def handle_startendtag(self, tag, attrs):
            self.cur.children.append(Element(tag, dict(attrs), self.cur))

        def handle_endtag(self, tag):
            if tag in VOID:
                return
            assert self.cur.tag == tag, (
                f"</{tag}> closes <{self.cur.tag}> at line {self.getpos()[0]}"
            )
            self.cur = self.cur.parent

        def handle_data(self, data):
            self.cur.children.append(data)

    p = _P()
    p.feed(text)
    p.close()
    assert p.cur is root, f"unclosed <{p.cur.tag}>"
    return root


def tiny_png(rgb: tuple[int, int, int] = (18, 67, 109), size: int = 8) -> bytes:
    """A valid solid-colour PNG (for prose images in edited test books)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def install_fake_quarto(tmp_path, monkeypatch, script: str, record_name: str) -> Path:
    """Put an executable ``quarto`` (``script``, a Python program) first on PATH; returns the
    file it records its invocation in (``$FAKE_QUARTO_RECORD``)."""
    import os

    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "quarto"
    exe.write_text(script)
    exe.chmod(0o755)
    record = tmp_path / record_name
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_QUARTO_RECORD", str(record))
    return record
