"""Replay the model's scores at other thresholds: the trade-off ``kapbot eval`` prints.

Each outcome keeps the ranking the model gave (bot/nlu/confidence.py); deciding
again at other thresholds needs no model. An answer followed by an offer counts
by its answer: *rescued* says how often the offer named the right topic instead. The replay follows the decision
only: the medical-advice boundary and the second "did you mean" are left out,
so its figures are close to, not the same as, a real run's.
"""
from __future__ import annotations

from typing import Iterable, List

from pydantic import BaseModel

from bot.build.evaluation import Outcome
from bot.content.library import Library
from bot.nlu.confidence import ReplyKind, Thresholds, decide, offered_topics, topic_of

ANSWER_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
OFFER_GRID = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
MARGIN_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


class TradeOff(BaseModel):
    thresholds: Thresholds
    right: float
    resolved: float
    wrong: float
    clarified: float
    offers: float  # answers followed by "Or were you asking about ...?"
    rescued: float  # wrong answers whose offered runner-up was the right topic


def replay(outcomes: List[Outcome], thresholds: Thresholds, library: Library) -> TradeOff:
    right = resolved = wrong = clarified = offers = rescued = 0
    for outcome in outcomes:
        expected = outcome.question.topics
        decision = decide(outcome.ranking, thresholds)
        if decision.kind is ReplyKind.CLARIFY:
            clarified += 1
            resolved += any(t in expected for t in offered_topics(decision, library))
            continue
        offers += decision.kind is ReplyKind.OFFER
        if decision.best is not None and topic_of(decision.best, library) in expected:
            right += 1
            resolved += 1
            continue
        wrong += 1
        if decision.kind is ReplyKind.OFFER:
            runner_up = decision.copy(update={"ranking": decision.ranking[1:2]})
            rescued += any(t in expected for t in offered_topics(runner_up, library))
    n = max(1, len(outcomes))
    return TradeOff(thresholds=thresholds, right=right / n, resolved=resolved / n, wrong=wrong / n,
                    clarified=clarified / n, offers=offers / n, rescued=rescued / n)


def sweep(outcomes: List[Outcome], current: Thresholds, library: Library) -> List[TradeOff]:
    """Each threshold in turn over its grid, the others as configured."""
    grid = [current.copy(update={"offer": o}) for o in OFFER_GRID if o <= current.answer]
    grid += [current.copy(update={"answer": a}) for a in ANSWER_GRID if a >= current.offer]
    grid += [current.copy(update={"margin": m}) for m in MARGIN_GRID]
    unique = [current] + [t for t in grid if t != current]
    return [replay(outcomes, thresholds, library) for thresholds in unique]


def format_sweep(rows: Iterable[TradeOff], current: Thresholds) -> str:
    lines = ["trade-off at other thresholds (replayed; * = config.yml):",
             "   answer  offer  margin   right  resolved  wrong  clarified  offers  rescued"]
    for row in rows:
        t = row.thresholds
        mark = "*" if t == current else " "
        lines.append(f"  {mark}{t.answer:5.2f}  {t.offer:5.2f}  {t.margin:5.2f}   {row.right:6.1%}  {row.resolved:7.1%}"
                     f"  {row.wrong:6.1%}  {row.clarified:7.1%}  {row.offers:6.1%}  {row.rescued:6.1%}")
    return "\n".join(lines)
