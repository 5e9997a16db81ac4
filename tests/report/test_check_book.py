"""check_book: static lint of the book sources, one ``file:line: message`` per problem."""

from __future__ import annotations

import json

from levelup.report.render import Problem, check_book, format_problems

from .helpers import FIXTURE_BOOK, VARIABLES, copy_book

BROKEN = """# Broken chapter {#sec-broken}

Value {{< var pay.missing >}} and {{< var pay.growth >}}.

{{< embed ../analysis/missions/health.ipynb#fig-not-there >}}

{{< embed ../analysis/missions/absent.ipynb#fig-x >}}

As @fig-nope shows, and @fig-hle-gap and @sec-pay-method are fine.

We cite @nobody2020 and [@ons2024hle]; email someone@example.org is not a citation.

![A chart](chart.png){#fig-no-alt}

![A chart](chart.png){#fig-with-alt fig-alt="A described chart"}

::: {#fig-div-no-alt}
![](chart.png)

Caption.
:::

`@not-a-citation in code` and see @fig-with-alt.

```python
x = "@ignored_in_code {{< var ignored >}}"
```

{{< embed ../analysis/missions/health.ipynb#fig-no-alt-cell >}}
"""


def _broken_book(tmp_path):
    book = copy_book(tmp_path / "book")
    (book / "chapters" / "03-broken.qmd").write_text(BROKEN)
    cfg = (book / "_quarto.yml").read_text()
    cfg = cfg.replace(
        "        - chapters/02-health.qmd\n",
        "        - chapters/02-health.qmd\n        - chapters/03-broken.qmd\n",
    )
    cfg = cfg.replace(
        "    - references.qmd\n", "    - references.qmd\n    - chapters/99-missing.qmd\n"
    )
    (book / "_quarto.yml").write_text(cfg)
    # a figure cell without fig-alt in the source notebook
    nb_path = book / "analysis" / "missions" / "health.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"].append(
        {
            "cell_type": "code",
            "id": "no-alt",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["#| label: fig-no-alt-cell\n", "#| fig-cap: A chart\n", "plt.plot([1, 2])"],
        }
    )
    nb_path.write_text(json.dumps(nb))
    return book


def test_clean_fixture_book_has_no_problems():
    assert check_book(FIXTURE_BOOK, "2026", VARIABLES) == []
    assert check_book(FIXTURE_BOOK, "2026") == []  # without variables, var keys are not checked


def test_every_problem_is_reported_at_its_line(tmp_path):
    book = _broken_book(tmp_path)
    problems = check_book(book, "2026", VARIABLES)
    got = {(p.file, p.line, p.message.split(":")[0]) for p in problems}
    f = "chapters/03-broken.qmd"
    expected = {
        (f, 3, "var pay.missing"),
        (f, 5, "embed ../analysis/missions/health.ipynb#fig-not-there"),
        (f, 7, "embed ../analysis/missions/absent.ipynb#fig-x"),
        (f, 9, "cross-reference @fig-nope"),
        (f, 11, "citation @nobody2020"),
        (f, 13, "figure fig-no-alt has no fig-alt (alternative text)"),
        (f, 17, "figure fig-div-no-alt has no fig-alt (alternative text)"),
        (f, 29, "embed ../analysis/missions/health.ipynb#fig-no-alt-cell"),
        ("_quarto.yml", 17, "chapter chapters/99-missing.qmd does not exist"),
    }
    assert got == expected, format_problems(problems)
    text = format_problems(problems)
    assert "chapters/03-broken.qmd:3: var pay.missing: no such key in _variables.yml" in text
    assert (
        "chapters/03-broken.qmd:5: embed ../analysis/missions/health.ipynb#fig-not-there: no cell with "
        "'#| label: fig-not-there' in analysis/missions/health.ipynb" in text
    )
    assert text.splitlines() == sorted(
        text.splitlines(), key=lambda s: (s.split(":")[0], int(s.split(":")[1]))
    )


def test_without_variables_var_keys_are_not_checked(tmp_path):
    book = _broken_book(tmp_path)
    messages = [p.message for p in check_book(book, "2026")]
    assert not any(m.startswith("var ") for m in messages)


def test_duplicate_labels_are_reported(tmp_path):
    book = copy_book(tmp_path / "book")
    ch = book / "chapters" / "01-living-standards.qmd"
    ch.write_text(ch.read_text() + "\n## Again {#sec-pay-method}\n")
    problems = check_book(book, "2026", VARIABLES)
    assert [p.message.split(" (")[0] for p in problems] == [
        "label sec-pay-method is defined more than once"
    ]
    assert problems[0] == Problem(
        "chapters/01-living-standards.qmd", len(ch.read_text().splitlines()), problems[0].message
    )


NUMERIC_PATHS = """# Numbers {#sec-numbers}

Intensity {{< var num.by-year.2018 >}}, first {{< var num.list.1 >}}, group {{< var num >}},
pair {{< var num.list >}} and hex {{< var num.by-year.0x1f >}}; fine {{< var num.by-year.y2018 >}}.
"""


def test_check_rejects_var_paths_quarto_cannot_resolve(tmp_path):
    """Quarto's rules (quarto-cli src/resources/filters/quarto-pre/options.lua and
    shortcodes-handlers.lua): a numeric segment is a list position counted from 1, never a key;
    a map prints nothing and a list of several values prints ?invalid var type."""
    book = copy_book(tmp_path / "book")
    ch = book / "chapters" / "01-living-standards.qmd"
    ch.write_text(ch.read_text() + "\n" + NUMERIC_PATHS)
    start = ch.read_text().splitlines().index(NUMERIC_PATHS.splitlines()[2]) + 1
    variables = {
        **VARIABLES,
        "num": {"by-year": {"2018": "1%", "y2018": "2%", "31": "3%"}, "list": ["a", "b"]},
    }
    problems = [p for p in check_book(book, "2026", variables) if p.message.startswith("var ")]
    by_key = {p.message.split(":")[0]: p for p in problems}
    assert set(by_key) == {
        "var num.by-year.2018",
        "var num",
        "var num.list",
        "var num.by-year.0x1f",
    }, format_problems(problems)
    assert "list position counted from 1" in by_key["var num.by-year.2018"].message
    assert "group of values" in by_key["var num"].message
    assert "?invalid var type" in by_key["var num.list"].message
    assert {p.line for p in problems} == {start, start + 1}
    # without a build (no _variables.yml) a numeric segment is still refused: finding keys
    # never have one, so no _variables.yml the build writes could resolve it
    without = [p.message for p in check_book(book, "2026") if p.message.startswith("var ")]
    assert sorted(m.split(":")[0] for m in without) == [
        "var num.by-year.0x1f",
        "var num.by-year.2018",
        "var num.list.1",
    ]
