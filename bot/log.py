"""One configured logger for kapbot, and Rasa's loggers kept quiet.

Patient messages never go to the log: log conversation ids and topics only.
"""
from __future__ import annotations

import logging

logger = logging.getLogger("kapbot")

_NOISY = ("rasa", "tensorflow", "absl", "sqlalchemy", "alembic", "apscheduler", "matplotlib", "urllib3")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_rasa_logs()


def quiet_rasa_logs() -> None:
    """Rasa's debug logs carry message texts; keep them at WARNING on every path."""
    from rasa.utils.log_utils import configure_structlog

    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)
