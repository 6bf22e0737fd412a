"""The in-process action endpoint checks action results as Rasa does, the schema checked once."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.action_runner import InProcessActionEndpoint, validate_result

GOOD = {
    "events": [{"event": "slot", "timestamp": None, "name": "current_topic", "value": "during.session_length"}],
    "responses": [
        {"text": "A session lasts one to two hours.", "buttons": [{"title": "More", "payload": "/tell_me_more"}]}
    ],
}
BAD = {"events": [{"event": "slot", "name": 3}], "responses": []}


def test_same_verdicts_as_jsonschema_validate() -> None:
    schema = RemoteAction.action_response_format_spec()
    jsonschema.validate(GOOD, schema)
    validate_result(GOOD)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(BAD, schema)
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_result(BAD)
    assert ours.value.message == theirs.value.message


def test_in_process_actions_still_rejected_with_rasas_wording() -> None:
    # The check is the endpoint's, whatever it runs.
    action = RemoteAction("action_answer_topic", InProcessActionEndpoint([]))
    assert action._validate_action_result(GOOD)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(BAD)
