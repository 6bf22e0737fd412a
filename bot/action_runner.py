"""Run rasa-sdk custom actions inside the service process.

Rasa 3.6 calls custom actions over HTTP. This endpoint keeps Rasa's contract
(``EndpointConfig.request`` returns the action server's JSON) but hands the
call straight to rasa-sdk's ``ActionExecutor``: one process, no extra port.
The actions are instances its owner built (actions/__init__.py), not found by
scanning a package, so each gets its dependencies instead of reading globals.

Rasa checks every action result against its JSON schema with
``jsonschema.validate``, which re-checks the (constant) schema itself on each
call: 8.6% of the event loop's time under load (bench/profile_kapbot.py,
2026-12-03), against 0.5% for checking the result. For actions run by this
endpoint the schema is checked once; results are still validated, with the
same schema and the same error.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, Optional, Text

from jsonschema import exceptions as schema_errors
from jsonschema import validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException


@lru_cache(maxsize=1)
def result_validator() -> Any:
    """A validator for Rasa's action-result schema, the schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_result(result: Dict[Text, Any]) -> None:
    """What ``jsonschema.validate(result, schema)`` does, less the schema check."""
    error = schema_errors.best_match(result_validator().iter_errors(result))
    if error is not None:
        raise error


class InProcessActionEndpoint(EndpointConfig):
    def __init__(self, actions: Iterable[Action]) -> None:
        super().__init__(url="inprocess://actions")
        self.executor = ActionExecutor()
        for action in actions:
            self.executor.register_action(action)
        _validate_in_process_results_once()

    async def request(
        self,
        method: str = "post",
        subpath: Optional[str] = None,
        content_type: Optional[str] = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Optional[Any]:
        try:
            return await self.executor.run(kwargs["json"])
        except ActionExecutionRejection as exc:
            # Rasa turns a 400 with this body into its own rejection, as for a remote server.
            body = json.dumps({"action_name": exc.action_name, "error": exc.message})
            raise ClientResponseError(400, "Action rejected", body) from exc
        except ActionNotFoundException as exc:
            raise ClientResponseError(404, "Action not found", str(exc)) from exc


def _validate_in_process_results_once() -> None:
    """Route RemoteAction's result check through ``validate_result`` for this endpoint's actions.

    Rasa creates ``RemoteAction`` itself (no factory to hand a subclass to), so its one
    method is wrapped; actions behind any other endpoint keep Rasa's own check.
    """
    original: Callable[[RemoteAction, Dict[Text, Any]], bool] = RemoteAction._validate_action_result
    if original.__module__ == __name__:  # installed already
        return

    def validate_action_result(action: RemoteAction, result: Dict[Text, Any]) -> bool:
        if not isinstance(action.action_endpoint, InProcessActionEndpoint):
            return original(action, result)
        try:
            validate_result(result)
        except schema_errors.ValidationError:
            # Rare: let Rasa's own check raise, with the wording it adds.
            return original(action, result)
        return True

    RemoteAction._validate_action_result = validate_action_result
