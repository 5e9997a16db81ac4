"""Generated phrases that read as written by a person: plurals that agree, lists in words.

Every sentence a notebook or the library builds from data goes through these helpers, so that
the report never prints "1 region(s)", "1 already have" or "highest in: London"
(``../shared/guides/report-writing.md``, "Keep the machinery out of the prose").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Irregular plurals the report uses; everything else takes "s" (or "es"/"ies" by spelling).
IRREGULAR: dict[str, str] = {
    "authority": "authorities",
    "is": "are",
    "has": "have",
    "was": "were",
    "does": "do",
    "person": "people",
    "child": "children",
    "analysis": "analyses",
    "criterion": "criteria",
}


def plural_form(noun: str) -> str:
    """The plural of ``noun``: irregular table, else English spelling rules (region -> regions,
    authority -> authorities, match -> matches)."""
    if not noun:
        raise ValueError("plural_form needs a word")
    last = noun.split()[-1]
    head = noun[: len(noun) - len(last)]
    lower = last.lower()
    if lower in IRREGULAR:
        return head + IRREGULAR[lower]
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return head + last[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return head + last + "es"
    return head + last + "s"


def plural(n: float, noun: str, plural_noun: str | None = None) -> str:
    """``noun`` in the number that agrees with ``n``: ``plural(1, "region") == "region"``,
    ``plural(3, "region") == "regions"``, ``plural(1, "has") == "has"``,
    ``plural(2, "has") == "have"``. Only exactly one is singular (0 regions, 1.5 regions)."""
    return noun if n == 1 else (plural_noun or plural_form(noun))


def singular_form(plural_noun: str) -> str:
    """The singular of a regular plural the report uses: "English regions" -> "English region",
    "upper-tier authorities" -> "upper-tier authority" (the inverse of :func:`plural_form`)."""
    last = plural_noun.split()[-1]
    head = plural_noun[: len(plural_noun) - len(last)]
    reverse = {v: k for k, v in IRREGULAR.items()}
    if last.lower() in reverse:
        return head + reverse[last.lower()]
    if last.endswith("ies"):
        return head + last[:-3] + "y"
    if last.endswith(("ches", "shes", "xes", "sses")):
        return head + last[:-2]
    if last.endswith("s") and not last.endswith("ss"):
        return head + last[:-1]
    raise ValueError(f"{plural_noun!r} is not a regular plural")


def counted(n: int, plural_noun: str) -> str:
    """A count with a noun given in the plural: ``counted(1, "districts") == "1 district"``,
    ``counted(361, "districts") == "361 districts"``."""
    return count(n, singular_form(plural_noun), plural_noun)


def count(n: int, noun: str, plural_noun: str | None = None) -> str:
    """A count with its noun: ``count(1, "region") == "1 region"``, ``count(0, "area") == "0 areas"``."""
    if n != int(n):
        raise ValueError(f"count() takes a whole number, not {n!r}")
    return f"{int(n):,} {plural(n, noun, plural_noun)}"


def number_or_none(n: int) -> str:
    """A count as running text quotes it: "none" for zero ("fallen in none", "none of the 12
    regions"), else the number with thousands separators."""
    if n != int(n) or n < 0:
        raise ValueError(f"number_or_none() takes a count, not {n!r}")
    return "none" if n == 0 else f"{int(n):,}"


def join_names(names: Iterable[str], conjunction: str = "and", sep: str = ", ") -> str:
    """Names as a list in running text, duplicates dropped and order kept: "London",
    "London and the South East", "Wales, Scotland and Northern Ireland"; with ``sep="; "`` for
    items that hold commas: "A, x; B, y; and C, z".

    An empty list is an error: the caller must say what an empty list means ("no region").
    """
    items = [str(n).strip() for n in dict.fromkeys(names)]
    if not items or any(not n for n in items):
        raise ValueError(f"join_names needs at least one non-empty name, got {items!r}")
    if len(items) == 1:
        return items[0]
    last = f"{sep} {conjunction} " if sep != ", " else f" {conjunction} "
    return sep.join(items[:-1]) + last.replace("  ", " ") + items[-1]


_LEADING_ACRONYM = re.compile(r"^([A-Z]{2,})\s+(?=.*\b\1\b)")


def without_repeated_acronym(label: str) -> str:
    """A published label that names its survey twice, read once: "CSEW total CSEW crime: ..."
    -> "Total CSEW crime: ..."; other labels unchanged."""
    stripped = _LEADING_ACRONYM.sub("", label, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped != label else label
