"""Content checks: every fact covered, readable, short, and no answer text hiding in Python."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import textstat

from bot.content.answers import render, render_phrase
from bot.content.clinic import Clinic, load_clinic
from bot.content.library import load_library
from tests.paths import PROJECT_DIR

MAX_GRADE = 8.0  # Flesch-Kincaid grade level
MAX_WORDS = 130  # "about 120 words at most"
library = load_library(PROJECT_DIR / "content")
CLINICS = {
    "example clinic": load_clinic(PROJECT_DIR / "clinic.yml"),
    "clinic that published nothing": Clinic(name="Example Clinic"),
}


@pytest.mark.parametrize("topic_id", sorted(library.entries))
def test_entry_lists_every_fact_it_must_convey(topic_id: str) -> None:
    entry = library.get(topic_id)
    must = library.catalogue.by_id[topic_id].must_convey
    assert sorted(entry.meta.conveys) == sorted(must)


@pytest.mark.parametrize("clinic_name", sorted(CLINICS))
@pytest.mark.parametrize("topic_id", sorted(library.entries))
def test_answers_are_short_and_plain(topic_id: str, clinic_name: str) -> None:
    clinic = CLINICS[clinic_name]
    entry = library.get(topic_id)
    for more in (False, True) if entry.more else (False,):
        text = render(entry, library, clinic, more=more).text
        words = len(text.split())
        grade = textstat.flesch_kincaid_grade(text)
        assert words <= MAX_WORDS, f"{topic_id} ({'more' if more else 'answer'}): {words} words"
        assert grade <= MAX_GRADE, f"{topic_id} ({'more' if more else 'answer'}): grade {grade:.1f}"


@pytest.mark.parametrize("name", ["disclaimer", "clarify", "provider_note", "crisis_reminder"])
def test_phrases_are_plain(name: str) -> None:
    text = render_phrase(library, name, CLINICS["example clinic"])
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE + 2  # lists of phone lines score high


def test_missing_clinic_facts_are_said_honestly() -> None:
    bare = CLINICS["clinic that published nothing"]
    for topic_id in ("clinic.cost", "clinic.insurance", "clinic.location_hours", "clinic.contact"):
        text = render(library.get(topic_id), library, bare).text
        assert "hasn't" in text or "has not" in text, topic_id
        assert "$" not in text


def _string_constants(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_answer_text_in_python() -> None:
    """Answers live in content/; Python holds code, messages for developers and short labels."""
    suspicious = []
    for folder in ("bot", "actions", "api"):
        for path in (PROJECT_DIR / folder).rglob("*.py"):
            for line, value in _string_constants(path):
                words = value.lower().split()
                # Patient-facing sentences speak to "you"; developer messages do not.
                sentence = value.rstrip().endswith((".", "?", "!"))
                if sentence and len(words) >= 10 and {"you", "your", "you're", "you'll"} & set(words):
                    suspicious.append(f"{path.relative_to(PROJECT_DIR)}:{line}: {value[:60]}")
    assert suspicious == []
