"""Reader-facing citations: publisher and publication instead of files, hashes and source ids.

Chart source lines and tables name where a figure comes from the way a reader would look it up
(report-writing.md: "Source: Ofcom Connected Nations, via ONS Explore Local Statistics (June
2026)"). The pins (files, sha256, commits) stay in the provenance appendix and the downloads.

* ELS datasets: the publisher (``sourceOrg``) and release date (``sourceDate``) from the pinned
  metadata JSON beside each indicator file, plus the ELS vintage: "Ofcom (May 2026), via ONS
  Explore Local Statistics (June 2026)". A reviewed ``publication:`` in ``datasets.yaml`` ``els:
  overrides`` names the publication when the metadata does not ("Ofcom, Connected Nations").
* other datasets: the ``source:`` of their ``datasets.yaml`` entry, "Publisher, publication
  (release date)".
* curated rows: their ``source_id`` looked up in ``data/citations.yaml`` (reviewed against
  ``curated/SOURCES.md``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from levelup import config_files
from levelup.data.periods import MONTHS
from levelup.paths import PROJECT_ROOT

ELS_NAME = "ONS Explore Local Statistics"
CITATIONS_FILE = PROJECT_ROOT / "data" / "citations.yaml"


class CitationError(KeyError):
    """A source id with no reviewed citation in ``data/citations.yaml``."""

    def __str__(self) -> str:
        return str(self.args[0])


@cache
def load_citations(path: Path = CITATIONS_FILE) -> dict[str, str]:
    """Source id -> citation, from ``data/citations.yaml``."""
    document = config_files.read_yaml(path) or {}
    bad = [k for k, v in document.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"{path}: source ids without a citation text: {bad}")
    return {str(k): v.strip() for k, v in document.items()}


def cite(source_ids: Iterable[str], citations: dict[str, str] | None = None) -> list[str]:
    """The citations of ``source_ids`` (blank ids skipped, duplicates dropped, order kept).

    >>> cite(["wq_2015_prs_decent"])
    ['House of Commons written answer, 23 February 2015']
    """
    table = load_citations() if citations is None else citations
    out: list[str] = []
    for source_id in dict.fromkeys(s.strip() for s in source_ids if s and str(s).strip()):
        if source_id not in table:
            raise CitationError(
                f"source id {source_id!r} has no citation in data/citations.yaml "
                "(add 'id: Publisher, publication (date)' as curated/SOURCES.md describes it)"
            )
        out.append(table[source_id])
    return list(dict.fromkeys(out))


def cite_one(source_id: str, citations: dict[str, str] | None = None) -> str:
    """The citation of one source id (a table's "Source" column)."""
    found = cite([source_id], citations)
    if not found:
        raise CitationError(f"no source id given ({source_id!r})")
    return found[0]


def month_year(date_text: str) -> str:
    """ "June 2026" from "2026-06-26", "26/06/2026" or "2026-06-26T14:20"; "" when not a date."""
    text = (date_text or "").strip()
    for pattern, order in (
        (r"^(\d{4})-(\d{2})(?:-(\d{2}))?", "ymd"),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", "dmy"),
    ):
        m = re.match(pattern, text)
        if m:
            year, month = (m[1], m[2]) if order == "ymd" else (m[3], m[2])
            try:
                return f"{MONTHS[int(month) - 1]} {int(year)}"
            except IndexError:
                return ""
    return ""


#: Publisher fields of ELS metadata that list a department's programmes rather than publishers,
#: as readers know the publisher (reviewed against the metadata of both vintages).
PUBLISHER_NAMES: dict[str, str] = {
    "Department for the Economy (Northern Ireland) ApprenticeshipsNI|Further Education colleges "
    "and CAFRE|Higher Education Institutions": "Department for the Economy (Northern Ireland)",
    "Department for Energy Security and Net Zero (Great Britain)|Department for Energy Security "
    "and Net Zero (Northern Ireland)": "Department for Energy Security and Net Zero",
    "Public Health Scotland Cardiac Audit Programme|Public Health Scotland Stroke statistics": (
        "Public Health Scotland"
    ),
    "Public Health Scotland Cardiac Audit Programme|Public Health Scotland stroke statistics": (
        "Public Health Scotland"
    ),
}


def els_source(meta: dict) -> tuple[str, str]:
    """(publisher, release month) from an ELS metadata document.

    ``sourceOrg`` may join several publishers with "|"; they are listed in words.
    """
    from levelup.wording import join_names

    ess = meta.get("ess-beta-metadata", {}) or {}
    shared = ess.get("shared", ess)
    org = (shared.get("sourceOrg") or "").strip()
    org = PUBLISHER_NAMES.get(org, org)
    orgs = [o.strip() for o in org.split("|") if o.strip()]
    released = month_year(shared.get("sourceDate") or meta.get("dataset_modified") or "")
    return (join_names(orgs) if orgs else ""), released


def els_citation(publisher: str, released: str, vintage: str, publication: str = "") -> str:
    """ "Ofcom, Connected Nations (May 2026), via ONS Explore Local Statistics (June 2026)"."""
    name = ", ".join(x for x in (publisher, publication) if x) or "Office for National Statistics"
    when = f" ({released})" if released else ""
    via = f"{ELS_NAME} ({month_year(vintage)})" if month_year(vintage) else ELS_NAME
    return f"{name}{when}, via {via}"


def read_els_metadata(path: Path) -> dict:
    """An ELS metadata JSON (the files carry a BOM and sometimes a ``_note`` key)."""
    return json.loads(path.read_text(encoding="utf-8-sig"))


def history_span(vintages: Iterable[str]) -> str:
    """ "versions of March 2023 to January 2026" for the published versions of a snapshot series."""
    months = [month_year(v) for v in sorted(vintages) if month_year(v)]
    if not months:
        return ""
    if months[0] == months[-1]:
        return f"version of {months[0]}"
    return f"versions of {months[0]} to {months[-1]}"
