"""references.bib as pandoc's citeproc reads it: organisation names stay whole."""

import json
import re

import pypandoc

from levelup.paths import PROJECT_ROOT

BIB = PROJECT_ROOT / "references.bib"


def test_publishers_are_read_whole_even_with_and_in_their_name():
    # pandoc reads a .bib as BibLaTeX, where " and " in publisher/institution separates a list
    # unless the name is braced: "Housing and Communities" was printed "Housing; Communities"
    text = BIB.read_text(encoding="utf-8")
    written = {}
    for entry in re.split(r"\n(?=@)", text):
        key = re.match(r"@\w+\{([^,]+),", entry.strip())
        field = re.search(r"\b(?:publisher|institution)\s*=\s*\{+([^{}]*)\}+", entry)
        if key and field:
            written[key.group(1)] = field.group(1)
    read = {
        e["id"]: e.get("publisher")
        for e in json.loads(pypandoc.convert_file(str(BIB), "csljson", format="biblatex"))
    }
    assert any(" and " in name for name in written.values())
    assert {k: read[k] for k in written} == written
