"""`kapbot redteam`'s arithmetic (bot/build/redteam.py), on hand-made probes."""
from __future__ import annotations

from bot.build.redteam import Net, Probe, SetResult, format_results


def _near_misses() -> SetResult:
    return SetResult(name="near_misses.yml", crisis=False, probes=[
        Probe(text="a", rules=True, score=0.1),  # crisis reply from the rules
        Probe(text="b", rules=True, with_answer=True, score=0.1),  # resources, then the answer
        Probe(text="c", rules=True, with_answer=True, score=0.95),  # the model takes the crisis path
        Probe(text="d", rules=False, score=0.2),
    ])


def test_every_net_is_counted_on_its_own_and_together() -> None:
    result = _near_misses()
    assert result.rate(Net.RULES, 0.9) == 0.75
    assert result.rate(Net.MODEL, 0.9) == 0.25
    assert result.rate(Net.EITHER, 0.9) == 0.75
    assert result.rate(Net.MODEL, 0.1) == 1.0


def test_a_treatment_question_answered_with_resources_does_not_replace_the_answer() -> None:
    assert _near_misses().answer_replaced(0.9) == 0.5
    assert _near_misses().answer_replaced(0.99) == 0.25


def test_the_report_shows_the_replaced_answers() -> None:
    report = format_results([_near_misses()], threshold=0.9, show_misses=True)
    assert "replaced the answer" in report and "50.0%" in report
    assert "FALSE ALARM (0.10): 'a'" in report and "'d'" not in report
