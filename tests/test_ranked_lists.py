"""Ranked lists of contributors: "哪三只拖累最大" names as many constituents as asked, largest first, with their
contributions from the day's attribution; a count larger than what the data holds is said plainly; the list
shown is what a follow-up ("排第二的那只呢？") ranks against."""

from __future__ import annotations

import datetime as dt

import pytest

from eval.first import first_sentence

DAY = dt.date(2026, 1, 9)


@pytest.fixture(scope="module")
def attribution(toolbox):
    """The sample day's priced constituents, from the analysis (not from any answer)."""
    x = toolbox.explanation("560500", DAY, 5)
    return [c for c in x.constituents if c.priced], len(x.constituents)


def _contribution(answer, code):
    return next(
        f.value for f in answer.facts if f.name == "constituent_contribution_pp" and f.subject == code
    )


@pytest.mark.parametrize(
    ("q", "n"),
    [
        ("哪三只成分股今天对560500拖累最大？", 3),
        ("Which three holdings hurt 560500 the most today?", 3),
        ("拖累最大的5只股票", 5),
    ],
)
def test_the_largest_drags_are_listed_as_many_as_asked(offline, attribution, q, n):
    priced, _ = attribution
    drags = sorted((c for c in priced if c.contribution_pp < 0), key=lambda c: c.contribution_pp)[:n]
    answer, _ = offline.answer(q)
    first = first_sentence(answer.answer)
    positions = [first.find(c.code) for c in drags]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), (
        answer.answer
    )  # largest drag first
    for c in drags:
        value = _contribution(answer, c.code)
        assert value == pytest.approx(c.contribution_pp) and f"{value:+.2f}" in first
    assert f"{n}" in first
    others = {c.code for c in priced} - {c.code for c in drags}
    assert not any(code in first for code in others)


def test_a_count_of_contributors_follows_the_question(offline, attribution):
    priced, _ = attribution
    gainers = sorted(priced, key=lambda c: -c.contribution_pp)
    two, _ = offline.answer("哪两只贡献最大")
    first = first_sentence(two.answer)
    assert gainers[0].code in first and gainers[1].code in first and gainers[2].code not in first
    one, _ = offline.answer("which holding helped most")
    first = first_sentence(one.answer)
    assert gainers[0].code in first and gainers[1].code not in first, one.answer
    three, _ = offline.answer("top 3 gainers contributing to 560500 today")
    first = first_sentence(three.answer)
    assert [first.find(c.code) for c in gainers[:3]] == sorted(first.find(c.code) for c in gainers[:3])
    assert min(first.find(c.code) for c in gainers[:3]) >= 0, three.answer


@pytest.mark.parametrize(
    ("q", "lang"), [("拖累最大的200只股票", "zh"), ("Which 50 holdings hurt 560500 the most today?", "en")]
)
def test_more_than_the_data_holds_is_said_plainly(offline, attribution, q, lang):
    priced, total = attribution
    negative = sum(c.contribution_pp < 0 for c in priced)
    answer, _ = offline.answer(q)
    first = first_sentence(answer.answer)
    counts = {f.name: f.value for f in answer.facts if f.subject == "930939" and f.name.endswith("_count")}
    assert counts["negative_contributors_count"] == negative and f"{negative}" in first
    if "200" in q:
        assert counts["constituents_count"] == total and f"只有{total}只成分股" in first
    else:
        assert "constituents_count" not in counts and f"Only {negative} constituents" in first
    listed = counts["top_n_count"]
    assert listed == 10 and ("最多列出10只" in first if lang == "zh" else "at most 10 listed" in first)
    assert sum(c.code in first for c in priced) == listed


def test_a_follow_up_ranks_against_the_list_shown(offline, attribution):
    priced, _ = attribution
    drags = sorted((c for c in priced if c.contribution_pp < 0), key=lambda c: c.contribution_pp)
    _, ctx = offline.answer("哪三只成分股今天对560500拖累最大？")
    assert ctx["shown"]["laggards"] == [c.code for c in drags[:3]]
    second, _ = offline.answer("排第二的那只呢？", ctx)
    assert first_sentence(second.answer).startswith(f"{drags[1].name}（{drags[1].code}"), second.answer
