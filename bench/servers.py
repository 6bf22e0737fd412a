"""The servers bench/compare.py puts side by side: how to start each, know it is ready, and stop it.

Every process is started in its own session (process group), so stopping the group
also stops anything it spawned, and the whole group is stopped even when a run fails.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import httpx

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A command to run in its own process group, ready once ``health_path`` answers 200
    (None: once its port takes connections, for a server that does not speak HTTP)."""

    name: str
    argv: List[str]
    port: int
    health_path: Optional[str]
    env: Dict[str, str] = field(default_factory=dict)
    # Several workers share one port and each answers for itself: ready when this many
    # checks in a row, each on a new connection, answer 200.
    ready_in_a_row: int = 1

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Server:
    """What a client talks to (``main``), and what must run first (``helpers``, e.g. an action server)."""

    name: str
    main: Process
    chat_path: str
    body: Callable[[str, str], Dict[str, str]]  # (sender, message) -> JSON body
    note: str
    helpers: List[Process] = field(default_factory=list)


@dataclass
class Running:
    server: Server
    ready_s: float  # from starting the main process to its first 200 on the health URL
    pids: List[int]  # process-group leaders: the main process and its helpers


def _wait_ready(proc: Process, popen: subprocess.Popen, log: Path) -> float:
    started = time.monotonic()
    in_a_row = 0
    with httpx.Client(timeout=2, headers={"Connection": "close"}) as client:
        while time.monotonic() - started < READY_TIMEOUT_S:
            if popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {popen.returncode}:\n{log.read_text()[-3000:]}")
            if proc.health_path is None:
                with socket.socket() as probe:
                    if probe.connect_ex((HOST, proc.port)) == 0:
                        return time.monotonic() - started
            else:
                try:
                    in_a_row = in_a_row + 1 if client.get(proc.url + proc.health_path).status_code == 200 else 0
                except httpx.HTTPError:
                    in_a_row = 0
                if in_a_row >= proc.ready_in_a_row:
                    return time.monotonic() - started
                if in_a_row:
                    continue
            time.sleep(0.1)
    raise TimeoutError(f"{proc.name} not ready after {READY_TIMEOUT_S:.0f}s:\n{log.read_text()[-3000:]}")


def _stop_group(popen: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL what is left."""
    if popen.poll() is None:
        try:
            os.killpg(popen.pid, signal.SIGTERM)
            popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:  # children may outlive the leader
        os.killpg(popen.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    popen.wait()


@contextmanager
def _started(proc: Process, log_dir: Path) -> Iterator[tuple[subprocess.Popen, float]]:
    log = log_dir / f"{proc.name}.log"
    popen = subprocess.Popen(
        proc.argv, cwd=PROJECT_DIR, env={**os.environ, **proc.env},
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield popen, _wait_ready(proc, popen, log)
    finally:
        _stop_group(popen)


@contextmanager
def running(server: Server, log_dir: Path) -> Iterator[Running]:
    """Start the helpers, then the server; stop all of them however the block ends."""
    with ExitStack() as stack:
        pids = [stack.enter_context(_started(helper, log_dir))[0].pid for helper in server.helpers]
        popen, ready_s = stack.enter_context(_started(server.main, log_dir))
        yield Running(server, ready_s, [popen.pid] + pids)


def _rasa_endpoints(tmp: Path, action_port: int, sql: bool) -> Path:
    lines = ["action_endpoint:", f"  url: http://{HOST}:{action_port}/webhook"]
    if sql:
        lines += ["tracker_store:", "  type: SQL", "  dialect: sqlite", f"  db: {tmp / 'rasa.db'}"]
    path = tmp / "endpoints.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def kapbot(tmp: Path, models_dir: Path, workers: int = 1) -> Server:
    """``kapbot serve``; with several workers, a Redis of its own for the conversation locks."""
    env = {
        # The venv's editable install points at the main checkout; serve this one.
        "PYTHONPATH": str(PROJECT_DIR),
        "KAPBOT_VAR_DIR": str(tmp / "var"),
        "KAPBOT_MODELS_DIR": str(models_dir),
        # One client sends every request, so the public rate limits are lifted.
        "KAPBOT_RATE_LIMIT_PER_CLIENT": "1000000/minute",
        "KAPBOT_RATE_LIMIT_PER_CONVERSATION": "1000000/minute",
    }
    port = free_port()
    name = "kapbot" if workers == 1 else f"kapbot-{workers}w"
    argv = [str(VENV_BIN / "kapbot"), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    note = "kapbot serve: /v1/chat, SQLite store, actions in process, crisis check first"
    helpers = []
    if workers > 1:
        redis = _redis(tmp)
        helpers.append(redis)
        env["KAPBOT_REDIS_URL"] = f"redis://{HOST}:{redis.port}/0"
        note = f"kapbot serve --workers {workers}: the same, the conversation locks in Redis"
    main = Process(name, argv, port, "/readyz", env, ready_in_a_row=1 if workers == 1 else 10 * workers)
    return Server(name, main, "/v1/chat", lambda s, m: {"sender_id": s, "message": m}, note, helpers)


def _redis(tmp: Path) -> Process:
    found = subprocess.run([str(PROJECT_DIR / "scripts" / "ensure-redis")], capture_output=True, text=True, check=True)
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    return Process(f"redis-{tmp.name}", [found.stdout.strip().splitlines()[-1], "--port", str(port), "--bind", HOST,
                                         "--save", "", "--appendonly", "no", "--dir", str(tmp)], port, None)


def rasa(tmp: Path, model: Path, sql: bool) -> Server:
    """``rasa run --enable-api`` on the same model, with the actions on rasa-sdk's own server.

    The stock action server (rasa-sdk's, bench/action_server.py) runs kapbot's actions,
    built from the project's settings; the HTTP hop to it is part of what stock Rasa costs.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    action_port, port = free_port(), free_port()
    # KAPBOT_VAR_DIR keeps the actions' stores out of the project; SANIC_HOST keeps
    # rasa-sdk (which defaults to 0.0.0.0) on the loopback interface.
    env = {"PYTHONPATH": str(PROJECT_DIR), "KAPBOT_VAR_DIR": str(tmp / "var"), "SANIC_HOST": HOST}
    actions = Process(f"actions-{tmp.name}", [str(VENV_BIN / "python"), str(PROJECT_DIR / "bench" / "action_server.py"),
                                              "--port", str(action_port)], action_port, "/health", env)
    endpoints = _rasa_endpoints(tmp, action_port, sql)
    name = "rasa-sql" if sql else "rasa-memory"
    main = Process(name, [str(VENV_BIN / "rasa"), "run", "--enable-api", "-m", str(model), "-i", HOST,
                          "-p", str(port), "--endpoints", str(endpoints)], port, "/status", env)
    store = "SQL store on a SQLite file" if sql else "in-memory store"
    return Server(name, main, "/webhooks/rest/webhook", lambda s, m: {"sender": s, "message": m},
                  f"rasa run --enable-api: REST channel, {store}, rasa-sdk action server", [actions])


def _group_of(pid: int) -> Optional[int]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[2])  # fields after the name: state ppid pgrp


def _rss_kb(pid: int) -> int:
    """Resident memory of one process, in kB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(groups: List[int]) -> float:
    """Resident memory of every process in these process groups (shared pages counted in each)."""
    wanted = set(groups)
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return sum(_rss_kb(pid) for pid in pids if _group_of(pid) in wanted) / 1024


def process_rss_mb(pid: int) -> float:
    """Resident memory of one process."""
    return _rss_kb(pid) / 1024
