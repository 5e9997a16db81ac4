"""Reader-facing citations: publisher and publication, never files, hashes or source ids."""

from __future__ import annotations

import csv
import re

import pytest

from levelup import charts
from levelup.data import citations
from levelup.gates.prose import prose_problems

MACHINERY = re.compile(r"[0-9a-f]{7,}|\.csv|\.json|sha256|curated/|els/|sdg/|_[a-z]")


def test_month_year_reads_the_date_forms_of_the_metadata():
    assert citations.month_year("2026-06-26") == "June 2026"
    assert citations.month_year("19/06/2025") == "June 2025"
    assert citations.month_year("2024-06-03T14:20") == "June 2024"
    assert citations.month_year("2026-01") == "January 2026"
    assert citations.month_year("") == "" and citations.month_year("mid-2022") == ""
    assert citations.month_year("2026-13-01") == ""


def test_els_source_takes_publisher_and_release_from_the_metadata():
    meta = {"ess-beta-metadata": {"sourceOrg": "Ofcom", "sourceDate": "13/05/2026", "label": "x"}}
    assert citations.els_source(meta) == ("Ofcom", "May 2026")
    shared = {"ess-beta-metadata": {"shared": {"sourceOrg": "A|B|C", "sourceDate": "01/02/2024"}}}
    assert citations.els_source(shared) == ("A, B and C", "February 2024")
    programmes = {
        "ess-beta-metadata": {
            "sourceOrg": "Public Health Scotland Cardiac Audit Programme|Public Health Scotland "
            "Stroke statistics"
        }
    }
    assert citations.els_source(programmes) == ("Public Health Scotland", "")
    assert citations.els_citation("Ofcom", "May 2026", "2026-06-26", "Connected Nations") == (
        "Ofcom, Connected Nations (May 2026), via ONS Explore Local Statistics (June 2026)"
    )


def test_cite_looks_up_source_ids_and_names_an_unknown_one():
    table = {"a_1": "Publisher A, report (2020)", "b_2": "Publisher B, note (2021)"}
    assert citations.cite(["a_1", "", "b_2", "a_1"], table) == [
        "Publisher A, report (2020)",
        "Publisher B, note (2021)",
    ]
    with pytest.raises(citations.CitationError, match="'zz_9' has no citation"):
        citations.cite(["zz_9"], table)


def test_the_citation_lookup_covers_every_source_id_of_the_curated_tables():
    from levelup.data.fetch import DataStore

    store = DataStore()
    table = citations.load_citations()
    for text in table.values():
        assert not MACHINERY.search(text), text
    for pin in store.manifest.select(collection="curated", kind="curated"):
        if not pin.path.endswith(".csv"):
            continue
        with store.path(pin).open(encoding="utf-8") as handle:
            ids = {row.get("source_id", "").strip() for row in csv.DictReader(handle)}
        missing = sorted((ids - {""}) - set(table))
        assert not missing, (pin.path, missing)


def test_source_text_names_each_source_once_and_shares_the_platform():
    rows = [
        {"source": "Ofcom (May 2026), via ONS Explore Local Statistics (June 2026)"},
        {"source": "Ofcom (May 2026), via ONS Explore Local Statistics (June 2026)"},
        {"source": "DfE (March 2026), via ONS Explore Local Statistics (June 2026)"},
        {"source": "DfE (April 2026), via ONS Explore Local Statistics (June 2026)"},
        {"source": "MHCLG, Live Table 104 (May 2026)"},
    ]
    assert charts.source_text(rows, "Proxy: x.") == (
        "Ofcom (May 2026) and DfE (March 2026 and April 2026), via ONS Explore Local Statistics "
        "(June 2026); MHCLG, Live Table 104 (May 2026). Proxy: x."
    )
    many = [{"source": f"Publisher {i}, report ({2010 + i})"} for i in range(6)]
    assert charts.source_text(many).endswith("Publisher 2, report (2012); and 3 other sources")
    with pytest.raises(ValueError, match="at least one source"):
        charts.source_text([])


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_every_dataset_and_metric_cites_its_source_for_readers(edition, store):
    """Every dataset of the edition has a citation (non-ELS ones need ``source:`` in
    datasets.yaml) and every metric's chart source line is free of machinery."""
    from levelup.data.load import DataLoader
    from levelup.metrics.analysis import MetricData, MetricUnavailable
    from levelup.metrics.registry import Registry

    loader = DataLoader(edition, store=store)
    unnamed = [  # every dataset that is not ELS names its source in datasets.yaml
        spec.id
        for spec in loader.catalogue.datasets(edition).values()
        if spec.kind in ("tidy", "sdg") and not spec.source
    ]
    assert not unnamed, f"add 'source: Publisher, publication (date)' to datasets.yaml: {unnamed}"
    for dataset_id in loader.catalogue.datasets(edition):
        for row in loader.provenance(dataset_id):
            assert row["source"] and not MACHINERY.search(row["source"]), (dataset_id, row)
    registry = Registry()
    lines = 0
    for metric in registry.metrics:
        try:
            md = MetricData.load(metric.id, loader, registry)
        except MetricUnavailable:
            continue
        line = md.source_line()
        assert not prose_problems(line) and not MACHINERY.search(line), (metric.id, line)
        lines += 1
    assert lines > 40
    gigabit = MetricData.load("m04-gigabit", loader, registry).source_line()
    assert gigabit.startswith("Ofcom, Connected Nations, via ONS Explore Local Statistics")


def test_a_copied_curated_folder_without_source_is_cited_by_its_section(loader_2026):
    """A dataset read from a curated folder copied from a public repository falls back to the
    citation of its SOURCES.md section id; any other dataset without ``source:`` is an error."""
    from levelup.data.catalogue import DatasetFile, DatasetSpec

    copied = DatasetFile(path="curated/regional_gfcf/rgfcf.rds", vintage="2022", reader="tidy")
    spec = DatasetSpec(id="curated/gfcf", title="GFCF", kind="tidy", files=(copied,))
    assert loader_2026.citation(spec, copied) == (
        "ONS, Experimental regional gross fixed capital formation estimates by asset type (May 2022)"
    )
    transcribed = DatasetFile(path="curated/ks2_attainment_england.csv", vintage="x", reader="tidy")
    spec = DatasetSpec(id="curated/ks2", title="KS2", kind="tidy", files=(transcribed,))
    with pytest.raises(KeyError, match="has no `source:` in data/datasets.yaml"):
        loader_2026.citation(spec, transcribed)
