"""The first reply of every conversation says what the assistant is and is not."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.slow


def test_first_reply_carries_the_disclaimer_once(say) -> None:
    sender = "disclaimer-" + uuid.uuid4().hex[:8]
    first = say(sender, "what is KAP?")
    disclaimer = first["messages"][0]
    assert disclaimer["kind"] == "disclaimer"
    for phrase in ("automated assistant", "not medical advice", "not a crisis service", "988", "911"):
        assert phrase in disclaimer["text"]
    assert first["topic"] == "general.what_is_kap"
    second = say(sender, "how long is a session")
    assert all(m["kind"] != "disclaimer" for m in second["messages"])
