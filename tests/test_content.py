"""Content is data: every entry valid, sourced, in the catalogue, and compiled in sync."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.build.compile import GENERATED_HEADER, lookups_yaml, responses_yaml
from bot.build.spacy_pipeline import load_terminology
from bot.build.training import GENERATED_LOOKUPS, GENERATED_RESPONSES
from bot.build.validation import validate_content
from bot.content.library import load_library
from bot.errors import ContentError
from tests.paths import PROJECT_DIR

CONTENT = PROJECT_DIR / "content"


@pytest.fixture(scope="module")
def library():
    return load_library(CONTENT)


def test_every_catalogue_topic_has_content(library) -> None:
    missing = [t.id for t in library.catalogue.topics if t.id not in library.entries]
    assert missing == []


def test_every_answer_cites_known_sources(library) -> None:
    for entry in library.entries.values():
        assert entry.meta.sources, entry.id
        assert library.citations(entry), entry.id


def test_seed_quotes_are_verbatim(library) -> None:
    seed = CONTENT / "seed" / "kap-what-to-expect.txt"  # a copy of the shared one (test_shared_copies.py)
    article = re.sub(r"\s+", " ", seed.read_text().replace("’", "'"))
    quoted = [(entry.id, ref) for entry in library.entries.values() for ref in entry.meta.sources if ref.ref == "seed"]
    assert len(quoted) > 10, "the seed article is the main source; so few citations means the test reads nothing"
    for entry_id, ref in quoted:
        assert ref.quote, f"{entry_id}: a seed source needs its quote"
        quote = re.sub(r"\s+", " ", ref.quote.replace("’", "'"))
        assert quote in article, f"{entry_id}: not in the seed article: {ref.quote!r}"


def test_project_content_validates(settings) -> None:
    assert validate_content(settings) == []


def test_compiled_responses_are_in_sync(library, settings) -> None:
    generated = (settings.data_dir / GENERATED_RESPONSES).read_text()
    assert generated.startswith(GENERATED_HEADER), "generated file lost its header"
    assert generated == responses_yaml(library), "run 'kapbot build': data/responses is stale"


def _broken_copy(tmp_path: Path, topic_file: str, old: str, new: str) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    path = target / "topics" / topic_file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    "old, new, field, reason",
    [
        ("id: during.session_length", "id: during.nap_length", "id", "not in the topic catalogue"),
        ("reviewed_on: 2026-11-28", "reviewed_on: someday", "reviewed_on", "date"),
        ("sources:\n  - ref: seed", "sources:\n  - ref: blog", "sources", "unknown source 'blog'"),
        ("follow_ups: [", "follow_ups: [during.nowhere, ", "follow_ups", "'during.nowhere'"),
        ("title: ", "titel: ", "title", "field required"),
    ],
)
def test_broken_file_names_file_field_and_reason(tmp_path, old, new, field, reason) -> None:
    path = _broken_copy(tmp_path, "during/session_length.md", old, new)
    with pytest.raises(ContentError) as caught:
        load_library(path.parents[2])
    assert caught.value.path.name == path.name or field == "follow_ups"
    assert caught.value.field.startswith(field)
    assert reason in caught.value.reason


def test_duplicate_id_is_refused(tmp_path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    shutil.copy(target / "topics/during/session_length.md", target / "topics/during/copy.md")
    with pytest.raises(ContentError, match="also used by"):
        load_library(target)


def test_cli_validate_fails_on_a_broken_file(tmp_path) -> None:
    _broken_copy(tmp_path, "during/session_length.md", "reviewed_on: 2026-11-28", "reviewed_on: x")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "validate", "--no-rasa"],
        env={"KAPBOT_CONTENT_DIR": str(tmp_path / "content"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, cwd=PROJECT_DIR,
    )
    assert result.returncode == 1
    assert "session_length.md: reviewed_on: invalid date format" in result.stderr


def test_generated_lookups_are_in_sync(settings) -> None:
    generated = (settings.data_dir / GENERATED_LOOKUPS).read_text()
    assert generated == lookups_yaml(load_terminology(CONTENT / "terminology.yml"))
