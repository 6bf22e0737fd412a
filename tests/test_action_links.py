"""Crisis numbers as tap-to-call and tap-to-text links (bot/content/action_links.py)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.content.action_links import LinkKind, crisis_links, dial_string, with_markdown_links
from bot.content.clinic import Clinic, CrisisResource


@pytest.mark.parametrize(
    "number, region, dialled",
    [
        ("988", "US", "988"),  # short codes stay as dialled: +1988 would reach nobody
        ("116 123", "GB", "116123"),
        ("(555) 010-4477", "US", "+15550104477"),
        ("0800 689 5652", "GB", "+448006895652"),
        ("+61 13 11 14", "AU", "+61131114"),
    ],
)
def test_numbers_are_dialled_as_a_phone_in_the_region_would(number: str, region: str, dialled: str) -> None:
    assert dial_string(number, region) == dialled


def test_every_way_to_reach_a_line_becomes_one_link() -> None:
    clinic = Clinic.parse_obj({
        "name": "Test Clinic",
        "crisis": {"region": "GB", "resources": [
            {"name": "Samaritans", "how": "Call 116 123, free, any time", "call": "116 123"},
            {"name": "Shout", "how": "Text SHOUT to 85258", "text": "85258", "text_body": "SHOUT"},
        ]},
    })
    links = crisis_links(clinic, lambda kind, number, body: f"{kind.value} {body or ''} {number}")
    assert [(link.kind, link.href) for link in links] == [
        (LinkKind.call, "tel:116123"), (LinkKind.text, "sms:85258?body=SHOUT"),
    ]


def test_markdown_titles_cannot_break_out_of_the_link() -> None:
    links = crisis_links(Clinic.parse_obj({"name": "X"}), lambda kind, number, body: f"[{number}] \\ (x)")
    line = with_markdown_links("Help is there.", links).splitlines()[-1]
    assert line.startswith(r"[\[988\] \\ (x)](tel:988)")


@pytest.mark.parametrize("fields", [{"call": "call us"}, {"text_body": "HOME"}, {"text": "988; rm"}])
def test_clinic_file_rejects_numbers_that_are_not_numbers(fields: dict) -> None:
    with pytest.raises(ValidationError):
        CrisisResource(name="Line", how="Call", **fields)
