"""schemathesis fuzzes the served app from its own /openapi.json, every check on:
a status, content type, header or body the document does not describe fails,
as does a request the document allows but the service refuses (or the reverse).

schemathesis runs from its own venv (scripts/ensure-schemathesis); `make test`
installs it first, and this test installs it when it is missing.
"""
from __future__ import annotations

import os
import re
import subprocess

import httpx
import pytest

from tests.paths import PROJECT_DIR
from tests.service import Service

pytestmark = pytest.mark.slow

# Enough cases per operation for the coverage phase's edge values and a fuzzing
# round, while the run stays within a minute or two on two cores.
MAX_EXAMPLES = int(os.environ.get("KAPBOT_FUZZ_EXAMPLES", "250"))
# Fixed, so a finding reproduces; set KAPBOT_FUZZ_SEED to explore other inputs.
SEED = os.environ.get("KAPBOT_FUZZ_SEED", "20261203")


def schemathesis_command() -> str:
    done = subprocess.run(
        [str(PROJECT_DIR / "scripts" / "ensure-schemathesis")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def run_schemathesis(url: str, *options: str) -> str:
    """schemathesis's report; the assertion shows it whole when it found anything."""
    command = [
        schemathesis_command(), "run", f"{url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", SEED,
        "--workers", "2",
        "--request-timeout", "60",
        "--no-color",
        *options,
    ]
    # Run in tests/artifacts, where hypothesis's example database may stay.
    artifacts = PROJECT_DIR / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=artifacts)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"schemathesis found mismatches ({' '.join(command)}):\n{output}"
    return output


def operations_tested(output: str) -> int:
    tested = re.search(r"Tested: (\d+)", output)
    assert tested, output
    return int(tested.group(1))


def test_schemathesis_finds_nothing(live_service) -> None:
    """The service as it starts by default: the model loaded, messaging channels off (404)."""
    output = run_schemathesis(live_service.url)
    # Every documented operation was really exercised (none skipped or unreachable).
    paths = httpx.get(f"{live_service.url}/openapi.json").json()["paths"]
    assert operations_tested(output) == sum(len(methods) for methods in paths.values()), output


def test_schemathesis_finds_nothing_on_channels_that_are_on(tmp_path) -> None:
    """Messaging channels on (test secrets): without the provider's signature every
    request is a 403, which the document must describe as it is sent."""
    secrets = {
        "KAPBOT_VAR_DIR": str(tmp_path), "KAPBOT_CHANNEL_ID_KEY": "fuzz-channel-id-key",
        "KAPBOT_TWILIO_AUTH_TOKEN": "fuzz-twilio", "KAPBOT_TELEGRAM_TOKEN": "1:fuzz",
        "KAPBOT_TELEGRAM_SECRET": "fuzz-telegram", "KAPBOT_MESSENGER_VERIFY_TOKEN": "fuzz-verify",
        "KAPBOT_MESSENGER_APP_SECRET": "fuzz-app-secret", "KAPBOT_MESSENGER_PAGE_TOKEN": "fuzz-page",
    }
    with Service(secrets) as service:
        # Verification comes before the model, so these routes answer while it loads.
        service.wait_until("/healthz")
        output = run_schemathesis(service.url, "--include-path-regex", "^/webhooks/(twilio|telegram|facebook)/")
    assert operations_tested(output) == 4, output
    assert "returned 404" not in output, output  # the channels really were on
