"""Every period encoding listed in the mirror's INVENTORY.md, plus the failures."""

from datetime import date

import pytest

from levelup.data.periods import PeriodConvention, PeriodError, parse_period, span_label


@pytest.mark.parametrize(
    ("label", "period", "start", "end", "kind"),
    [
        ("2011-01-01/P3Y", "2011-01-01/P3Y", date(2011, 1, 1), date(2013, 12, 31), "multi_year"),
        (
            "2011-01-01T00:00:00/P3Y",
            "2011-01-01/P3Y",
            date(2011, 1, 1),
            date(2013, 12, 31),
            "multi_year",
        ),
        ("2019-01-01/P5Y", "2019-01-01/P5Y", date(2019, 1, 1), date(2023, 12, 31), "multi_year"),
        ("2014-04-01/P3Y", "2014-04-01/P3Y", date(2014, 4, 1), date(2017, 3, 31), "multi_year"),
        ("2004-01-01/P1Y", "2004-01-01/P1Y", date(2004, 1, 1), date(2004, 12, 31), "calendar_year"),
        ("2021-04-01/P1Y", "2021-04-01/P1Y", date(2021, 4, 1), date(2022, 3, 31), "financial_year"),
        ("2019-08-01/P1Y", "2019-08-01/P1Y", date(2019, 8, 1), date(2020, 7, 31), "academic_year"),
        ("2016-09-01/P1Y", "2016-09-01/P1Y", date(2016, 9, 1), date(2017, 8, 31), "academic_year"),
        ("2015-11-16/P1Y", "2015-11-16/P1Y", date(2015, 11, 16), date(2016, 11, 15), "other_year"),
        ("2012-02-01/P1Y", "2012-02-01/P1Y", date(2012, 2, 1), date(2013, 1, 31), "other_year"),
        ("2012-05-15/P1Y", "2012-05-15/P1Y", date(2012, 5, 15), date(2013, 5, 14), "other_year"),
        ("2023-07-01/P1M", "2023-07-01/P1M", date(2023, 7, 1), date(2023, 7, 31), "month"),
        ("2024-04-17", "2024-04-17", date(2024, 4, 17), date(2024, 4, 17), "point"),
        ("2019-10-01T00:00:00", "2019-10-01", date(2019, 10, 1), date(2019, 10, 1), "point"),
        ("2018", "2018-01-01/P1Y", date(2018, 1, 1), date(2018, 12, 31), "calendar_year"),
        ("2001-2002", "2001-04-01/P1Y", date(2001, 4, 1), date(2002, 3, 31), "financial_year"),
        ("2011/12", "2011-04-01/P1Y", date(2011, 4, 1), date(2012, 3, 31), "financial_year"),
        ("1999/00", "1999-04-01/P1Y", date(1999, 4, 1), date(2000, 3, 31), "financial_year"),
        ("2025-01", "2025-01-01", date(2025, 1, 1), date(2025, 1, 1), "point"),
        ("2000 Q1", "2000-01-01/P1Q", date(2000, 1, 1), date(2000, 3, 31), "quarter"),
    ],
)
def test_every_encoding(label, period, start, end, kind):
    parsed = parse_period(label)
    assert (parsed.period, parsed.start, parsed.end, parsed.type) == (period, start, end, kind)


def test_dataset_conventions_change_ambiguous_labels():
    meter_year = parse_period("2012", PeriodConvention(year_anchor="02-01"))
    assert (meter_year.period, meter_year.type) == ("2012-02-01/P1Y", "other_year")
    academic = parse_period("2019/20", PeriodConvention(split_year_anchor="09-01"))
    assert academic.type == "academic_year" and academic.end == date(2020, 8, 31)
    month = parse_period("2024-04", PeriodConvention(month_label="month"))
    assert (month.period, month.end) == ("2024-04-01/P1M", date(2024, 4, 30))


def test_time_is_the_midpoint_in_decimal_years():
    assert parse_period("2011-01-01/P3Y").time == pytest.approx(2012.5, abs=0.01)
    assert parse_period("2020-01-01/P1Y").time == pytest.approx(2020.5, abs=0.01)
    assert parse_period("2024-01-01").time == pytest.approx(2024.0, abs=0.001)


@pytest.mark.parametrize(
    "label", ["", "20x1", "2019-2021", "2021-02-30", "Q1 2000", "2019-13", "next year"]
)
def test_unparseable_labels_raise_with_the_label(label):
    with pytest.raises(PeriodError) as info:
        parse_period(label)
    assert repr(label.strip())[1:-1] in str(info.value) or label == ""


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("", ""),
        ("2021-01-01/P1Y", "2021"),
        ("2017-04-01/P1Y/2023-04-01/P1Y", "2017/18 to 2023/24"),
        ("2019-10-01/2025-04-01", "October 2019 to April 2025"),
        ("2022.6657534246576", "2022.7"),
        ("not a period", "not a period"),
    ],
)
def test_span_label_reads_every_findings_period(text, label):
    assert span_label(text) == label
