"""The medical-advice boundary: spot questions only the person's own provider can answer.

Rules, not the model, decide this, so a question about one's own dose,
medications, diagnosis or eligibility always gets the provider note, however
the model classified the rest of it. The answers themselves come from
curated content, which never states a dose.
"""
from __future__ import annotations

import re

_PERSONAL = [
    # dosing
    r"\b(how (much|many)|what|which|right|correct|safe|max(imum)?|starting|usual)\b"
    r".{0,40}\b(doses?|dosages?|mg|milligrams?|ml|amount)\b",
    r"\bhow (much|many)\b.{0,40}\b(ketamine|spravato|esketamine|lozenges?|troches?|pills?|tablets?)\b"
    r".{0,40}\b(take|use|have|get)\b",
    r"\b(double|increase|lower|decrease|up|raise)\b.{0,15}\b(my|the)\b.{0,10}\b(dose|dosage)\b",
    # own medications
    r"\bshould i\b.{0,20}\b(stop|quit|come off|taper|keep taking|take|skip|pause)\b",
    r"\b(can|could|may|is it ok(ay)? to|is it safe to)\b.{0,10}\bi?\b"
    r".{0,20}\b(take|mix|combine|drink|use|stay on|keep taking)\b.{0,60}\b(with|while|and|on)\b",
    r"\b(do|will) i (have|need) to (stop|quit|come off|taper)\b",
    r"\bmy (other |current |usual |daily )?(meds|medications?|medicines?|prescriptions?|antidepressants?|pills)\b",
    r"\bcan i (keep|continue|still)\b.{0,10}\b(taking|take|using|use|on)\b",
    # diagnosis
    r"\bdo i have\b.{0,30}\b(depression|ptsd|anxiety|bipolar|ocd|adhd|trauma|a disorder|an? (mental )?illness)\b",
    r"\b(diagnose|diagnosis)\b.{0,20}\b(me|my)\b",
    # own eligibility
    r"\b(am i|would i be|i am|i'?m)\b.{0,10}\b(eligible|a (good )?candidate|suitable|qualified)\b",
    r"\bshould i (do|try|get|start|have)\b.{0,20}\b(this|it|kap|ketamine|treatment|therapy)\b",
    r"\b(is it|would it be|will it be)\b.{0,10}\b(safe|ok(ay)?|right|good)\b.{0,10}\bfor me\b",
    r"\b(i have|i was diagnosed with|i suffer from|i take|i'?m on|i am on)\b.{0,40}\b(can|should|could|will|is it)\b",
    r"\b(can|should|could) i\b.{0,15}\b(take|use|mix|combine|keep)\b.{0,10}\bmy\b",
]
_PATTERNS = [re.compile(p) for p in _PERSONAL]


_FIRST_PERSON = re.compile(r"\b(i|im|i'm|ive|i've|id|i'd|me|my|mine|myself)\b")


def speaks_of_self(text: str) -> bool:
    """The writer talks about themselves ("my meds", "I have PTSD"), not about a condition in general."""
    return bool(_FIRST_PERSON.search(text.lower().replace("’", "'")))


def asks_personal_medical(text: str) -> bool:
    """True when the message asks about the writer's own dose, medications, diagnosis or eligibility."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    return any(p.search(lowered) for p in _PATTERNS)
