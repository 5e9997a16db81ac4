"""Findings: the analysis layer's output, one row per number the report quotes.

``table`` holds the findings table (:class:`~levelup.findings.table.Findings`, its keys and
formatting), ``labels`` puts statistics, geography levels and keys into words, and ``intervals``
formats interval bounds for tables. This package sits between the statistics and the mission
analyses (which write findings) and the report (which quotes them): see docs/ARCHITECTURE.md.
"""
