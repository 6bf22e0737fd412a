"""kapbot: a patient-education assistant for KAP clinics, built on Rasa."""
import os
import re
from pathlib import Path

# These must be set before TensorFlow, SQLAlchemy or Rasa are first imported,
# which is why they are read here and not by the settings object.
_DEFAULT = re.compile(r"^export\s+(\w+)\s*\?=\s*(.*?)\s*$")
for _line in (Path(__file__).parent / "process.env").read_text(encoding="utf-8").splitlines():
    _match = _DEFAULT.match(_line)
    if _match:
        os.environ.setdefault(_match[1], _match[2])
