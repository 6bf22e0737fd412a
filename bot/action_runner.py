"""Run rasa-sdk custom actions inside the service process.

Rasa 3.6 calls custom actions over HTTP. This endpoint keeps Rasa's contract
(``EndpointConfig.request`` returns the action server's JSON) but hands the
call straight to rasa-sdk's ``ActionExecutor``: one process, no extra port.
The actions are instances its owner built (actions/__init__.py), not found by
scanning a package, so each gets its dependencies instead of reading globals.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException


class InProcessActionEndpoint(EndpointConfig):
    def __init__(self, actions: Iterable[Action]) -> None:
        super().__init__(url="inprocess://actions")
        self.executor = ActionExecutor()
        for action in actions:
            self.executor.register_action(action)

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
