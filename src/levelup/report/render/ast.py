"""Small helpers for pandoc's JSON AST (pandoc-types 1.23)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Node = dict[str, Any]
Attr = list  # [id, [classes], [[k, v], ...]]


def Str(s: str) -> Node:
    return {"t": "Str", "c": s}


def Space() -> Node:
    return {"t": "Space"}


def text_inlines(text: str) -> list[Node]:
    out: list[Node] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append(Space())
        if word:
            out.append(Str(word))
    return out


def attr(
    id_: str = "", classes: list[str] | None = None, kvs: dict[str, str] | None = None
) -> Attr:
    return [id_, list(classes or []), [[k, v] for k, v in (kvs or {}).items()]]


def Para(inlines: list[Node]) -> Node:
    return {"t": "Para", "c": inlines}


def Plain(inlines: list[Node]) -> Node:
    return {"t": "Plain", "c": inlines}


def Div(a: Attr, blocks: list[Node]) -> Node:
    return {"t": "Div", "c": [a, blocks]}


def Span(a: Attr, inlines: list[Node]) -> Node:
    return {"t": "Span", "c": [a, inlines]}


def Link(inlines: list[Node], target: str, a: Attr | None = None, title: str = "") -> Node:
    return {"t": "Link", "c": [a or attr(), inlines, [target, title]]}


def Header(level: int, a: Attr, inlines: list[Node]) -> Node:
    return {"t": "Header", "c": [level, a, inlines]}


def Figure(a: Attr, caption_inlines: list[Node], blocks: list[Node]) -> Node:
    caption = [None, [Plain(caption_inlines)] if caption_inlines else []]
    return {"t": "Figure", "c": [a, caption, blocks]}


def RawBlock(fmt: str, text: str) -> Node:
    return {"t": "RawBlock", "c": [fmt, text]}


def get_attr(node: Node) -> Attr | None:
    """The Attr of a node that has one, else None."""
    t, c = node.get("t"), node.get("c")
    if t in ("Div", "Span", "Figure", "Table", "CodeBlock", "Code"):
        return c[0]
    if t == "Header":
        return c[1]
    if t in ("Image", "Link"):
        return c[0]
    return None


def kv(a: Attr) -> dict[str, str]:
    return {k: v for k, v in a[2]}


def set_kv(a: Attr, key: str, value: str | None) -> None:
    a[2] = [[k, v] for k, v in a[2] if k != key]
    if value is not None:
        a[2].append([key, value])


def caption_blocks(node: Node) -> list[Node]:
    """The long caption blocks of a Figure or Table."""
    return node["c"][1][1]


def caption_inlines(node: Node) -> list[Node]:
    out: list[Node] = []
    for b in caption_blocks(node):
        if b["t"] in ("Plain", "Para"):
            if out:
                out.append(Space())
            out.extend(b["c"])
    return out


def set_caption(node: Node, inlines: list[Node]) -> None:
    node["c"][1] = [None, [Plain(inlines)] if inlines else []]


def walk(
    value: Any, fn: Callable[[Node], Any], types: frozenset[str] | set[str] | None = None
) -> Any:
    """Bottom-up walk like a pandoc filter, modifying lists in place.

    ``fn(node)`` is called on every element (or only those whose type is in ``types``) after its
    children; it returns None (keep), a node (replace) or a list of nodes (splice into the
    enclosing list).
    """
    if type(value) is list:
        _walk_list(value, fn, types)
        return value
    if type(value) is dict:
        if "t" in value:
            return _walk_node(value, fn, types)
        for v in value.values():
            if type(v) in (list, dict):
                walk(v, fn, types)
    return value


def _walk_list(lst: list, fn: Callable[[Node], Any], types: Any) -> None:
    out: list | None = None
    for i, item in enumerate(lst):
        t = type(item)
        if t is dict and "t" in item:
            r = _walk_node(item, fn, types)
            if r is item:
                if out is not None:
                    out.append(item)
                continue
            if out is None:
                out = lst[:i]
            if type(r) is list:
                out.extend(r)
            else:
                out.append(r)
            continue
        if t is list:
            _walk_list(item, fn, types)
        elif t is dict:
            walk(item, fn, types)
        if out is not None:
            out.append(item)
    if out is not None:
        lst[:] = out


_LEAF = frozenset(
    {
        "Str",
        "Space",
        "SoftBreak",
        "LineBreak",
        "Code",
        "Math",
        "RawInline",
        "RawBlock",
        "CodeBlock",
        "HorizontalRule",
    }
)


_INLINE_CONTAINERS = frozenset({"Para", "Plain", "Header", "LineBlock"})


class BlocksOnly(frozenset):
    """A ``types`` set for walks that look for block elements only: inline content is skipped."""


def _walk_node(node: Node, fn: Callable[[Node], Any], types: Any) -> Any:
    t = node["t"]
    if t not in _LEAF and not (type(types) is BlocksOnly and t in _INLINE_CONTAINERS):
        c = node.get("c")
        if type(c) is list:
            _walk_list(c, fn, types)
        elif type(c) is dict:
            walk(c, fn, types)
    if types is not None and t not in types:
        return node
    r = fn(node)
    return node if r is None else r


def walk_node(node: Node, fn: Callable[[Node], Any]) -> Any:
    return _walk_node(node, fn, None)


def iter_nodes(value: Any) -> list[Node]:
    """All element nodes, pre-order (document order)."""
    out: list[Node] = []
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is list:
            push(reversed(v))
        elif t is dict:
            if "t" in v:
                out.append(v)
                if v["t"] not in _LEAF:
                    c = v.get("c")
                    if type(c) in (list, dict):
                        stack.append(c)
            else:
                push(reversed(list(v.values())))
    return out


_BLOCKISH = frozenset(
    {
        "Para",
        "Plain",
        "Header",
        "Div",
        "BlockQuote",
        "Figure",
        "Table",
        "Row",
        "BulletList",
        "OrderedList",
        "DefinitionList",
        "LineBlock",
    }
)


def stringify(value: Any) -> str:
    """Plain text of inlines/blocks (like pandoc.utils.stringify, with block separation)."""
    parts: list[str] = []
    stack: list[Any] = [value]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        tv = type(v)
        if tv is list:
            stack.extend(reversed(v))
            continue
        if tv is tuple:  # a closing quote, queued after the quoted inlines
            parts.append(v[0])
            continue
        if tv is not dict:
            continue
        t = v.get("t")
        if t is None:
            stack.extend(reversed(list(v.values())))
        elif t == "Str":
            parts.append(v["c"])
        elif t == "Space" or t == "SoftBreak" or t == "LineBreak":
            parts.append(" ")
        elif t == "Code" or t == "Math":
            parts.append(v["c"][1])
        elif t == "CodeBlock":
            parts.append(" " + v["c"][1] + " ")
        elif t in ("RawInline", "RawBlock", "Note"):
            continue
        elif t == "Image" or t == "Link" or t == "Cite":
            push(v["c"][1])
        elif t == "Quoted":
            double = v["c"][0]["t"] == "DoubleQuote"
            parts.append("“" if double else "‘")
            push(("”" if double else "’",))
            push(v["c"][1])
        else:
            if t in _BLOCKISH:
                parts.append(" ")
            c = v.get("c")
            if c is not None:
                push(c)
    return " ".join("".join(parts).split())


def table_csv(table: Node) -> str:
    """A pandoc ``Table`` as CSV text: its header rows, then every body and footer row, one
    line each, cells as plain text (a cell spanning columns is followed by empty cells)."""
    import csv
    import io

    _attr, _caption, _specs, head, bodies, foot = table["c"]
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        line = []
        for cell in row[1]:
            _cattr, _align, _rowspan, colspan, blocks = cell
            line += [stringify(blocks).strip()] + [""] * (colspan - 1)
        writer.writerow(line)
    return out.getvalue()


def number_in_title(number: str | None, title: str) -> bool:
    """Whether a chapter's title already carries its number ("Mission 10: Housing" for chapter
    10): then the number is not printed again in front of it ("10 Mission 10: Housing")."""
    return (
        bool(number)
        and re.search(rf"(?<![\w.]){re.escape(str(number))}(?![\w.])", title) is not None
    )


def chapter_label(number: str | None, title: str) -> str:
    """How a chapter is named in titles, navigation and search: "Mission 10: Housing",
    "13 Physical capital", "References"."""
    if not number or number_in_title(number, title):
        return title
    return f"{number} {title}"
