"""rasa-sdk's own action server, serving kapbot's actions: the anchor's half of bench/compare.py.

kapbot's actions are built with their knowledge and outbox (``actions.build_actions``), so
rasa-sdk cannot make them from the package by itself. Its executor is told to register
those instances instead; the server, routes and wire format are rasa-sdk's unchanged.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType
from typing import Text, Union

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa_sdk import endpoint  # noqa: E402
from rasa_sdk.executor import ActionExecutor  # noqa: E402

from actions import build_actions  # noqa: E402
from bot.content.knowledge import Knowledge  # noqa: E402
from bot.settings import get_settings  # noqa: E402
from bot.staff.outbox import StaffOutbox  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    settings = get_settings()
    actions = build_actions(Knowledge.from_settings(settings), StaffOutbox.from_settings(settings))

    class KapbotExecutor(ActionExecutor):
        def register_package(self, package: Union[Text, ModuleType]) -> None:
            for action in actions:
                self.register_action(action)

    endpoint.ActionExecutor = KapbotExecutor
    endpoint.run("actions", port=port)


if __name__ == "__main__":
    main()
