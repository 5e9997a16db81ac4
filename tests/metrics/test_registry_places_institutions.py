"""The metrics this branch brought into coverage resolve, in both editions, to what they claim:
civic participation and the two academic indices to data (derivations that read published
series), neighbourhood crime and the ONS social capital indicators to labelled proxies."""

import pytest

from levelup.metrics import derived
from levelup.metrics.registry import Registry

EXPECTED = {
    "m09-civic-participation": ("derived", "civic_participation"),
    "m11-neighbourhood-crime": ("proxy", "neighbourhood_crime_police_recorded"),
    "cap-institutional-local-autonomy": ("derived", "local_autonomy_index"),
    "cap-institutional-regional-authority": ("derived", "regional_authority_index"),
    "cap-social-capital-indicators": ("proxy", "generalised_trust"),
    "m12-devolution-coverage": ("derived", "devolution_coverage"),
}


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_newly_covered_metrics_resolve(edition):
    rows = {r["metric"]: r for r in Registry().coverage(edition, available_indicators=_all_ids())}
    for metric_id, (status, source) in EXPECTED.items():
        assert (rows[metric_id]["status"], rows[metric_id]["source"]) == (status, source), metric_id


def _all_ids():
    # every pinned indicator counts as available here: this test is about the file inputs
    registry = Registry()
    ids = set()
    for metric in registry.metrics:
        for mapping in (metric.data, metric.proxy):
            if mapping is not None:
                ids.update(i for i in mapping.inputs if "/" in i)
                if mapping.indicator:
                    ids.add(mapping.indicator)
    return ids


def test_an_unregistered_derivation_does_not_resolve():
    registry = Registry()
    metric = registry.metric("m09-civic-participation")
    status, _ = registry.status(
        metric, "2026", set(), set(derived.DERIVATIONS) - {"civic_participation"}
    )
    assert status == "not in this edition"


def test_derivations_read_the_published_values(loader_2026):
    civic = derived.civic_participation(loader_2026)
    england = civic[civic["area_code"] == "E92000001"].set_index("period")["value"]
    assert england["2020-04-01/P1Y"] == pytest.approx(41.26, abs=0.01)
    assert (civic.loc[civic["geography"] == "region", "flags"] == "period inferred").all()
    lai = derived.local_autonomy_index(loader_2026).set_index("period")["value"]
    assert lai["2014-01-01/P1Y"] == pytest.approx(44.71)
    rai = derived.regional_authority_index(loader_2026).set_index("period")["value"]
    assert rai["1999-01-01/P1Y"] == pytest.approx(10.52)
    trust = derived.generalised_trust(loader_2026)
    assert len(trust) == 11 and trust["period"].iat[0] == "2002-01-01/P1Y"  # ESS rounds 2002-2023
    crime = derived.neighbourhood_crime_police_recorded(loader_2026)
    assert set(crime["geography"]) == {"police_force_area", "region", "country", "england_wales"}
