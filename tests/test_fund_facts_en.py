"""English fund-fact answers agree in number: 'X has assets of …', 'the portfolio managers … are', 'the
management fee and custody fee … are not disclosed … them'; the second field asked says 'its'."""

from __future__ import annotations

import re

import pytest

from eval.first import first_sentence


def test_asset_size_is_stated_as_the_fund_having_assets(offline):
    answer, _ = offline.answer("What is the fund size of 560500?")
    size = next(f for f in answer.facts if f.name == "fund_asset_size_yuan")
    first = first_sentence(answer.answer)
    assert first.startswith(
        f"Pengyang CSI 500 Quality Growth ETF (560500) has assets of {size.value / 1e6:,.2f}"
    )
    assert not re.search(r"assets of .* is\b", answer.answer), answer.answer


def test_several_fields_agree_in_number(offline):
    fees, _ = offline.answer("What are 560500's fees?")
    assert "management fee and custody fee of" in fees.answer and "are not disclosed" in fees.answer
    assert "leaves them empty" in fees.answer and " it " not in first_sentence(fees.answer), fees.answer
    two, _ = offline.answer("Who is the custodian and manager of 560500?")
    assert re.search(r"The manager of .+ is .+; its custodian is ", first_sentence(two.answer)), two.answer


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ("王某某", "portfolio manager of {etf} is “王某某”"),
        ("王某某、李某某", "portfolio managers of {etf} are “王某某、李某某”"),
    ],
)
def test_portfolio_managers_agree_with_how_many_the_data_names(
    offline, toolbox, monkeypatch, names, expected
):
    real = toolbox.fund_profile

    def named(*args, **kwargs):
        return real(*args, **kwargs).model_copy(update={"fund_managers": names, "not_disclosed": []})

    monkeypatch.setattr(toolbox, "fund_profile", named)
    answer, _ = offline.answer("Who are the portfolio managers of 560500?")  # plural asked: still fund facts
    etf = "Pengyang CSI 500 Quality Growth ETF (560500)"
    assert expected.format(etf=etf) in first_sentence(answer.answer), answer.answer
