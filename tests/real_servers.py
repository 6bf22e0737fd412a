"""Throwaway PostgreSQL and Redis servers on loopback, for the tests that need real ones.

Each starts from Debian's binaries (scripts/ensure-postgres and scripts/ensure-redis
install them when missing) in a temporary directory, on a free port on 127.0.0.1, and is
stopped and removed afterwards. Nothing touches a system instance.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

from tests.paths import PROJECT_DIR

POSTGRES_USER = "kapbot"
POSTGRES_DB = "kapbot"


class ServerStartError(RuntimeError):
    """A test server did not come up."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ensure(script: str) -> str:
    done = subprocess.run([str(PROJECT_DIR / "scripts" / script)], capture_output=True, text=True)
    if done.returncode != 0:
        raise ServerStartError(done.stderr.strip() or f"{script} failed")
    return done.stdout.strip().splitlines()[-1]


def _as_postgres_user(command: List[str]) -> List[str]:
    # PostgreSQL refuses to run as root; CI runs the suite as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for_port(port: int, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ServerStartError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@contextmanager
def _workdir(prefix: str, owner: Optional[str] = None) -> Iterator[Path]:
    # Right under /tmp, not in pytest's tmp_path: the server's user must be able to reach it.
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if owner and os.geteuid() == 0:
            shutil.chown(path, owner)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh cluster with a `kapbot` database; yields its SQLAlchemy URL."""
    with _workdir("kapbot-pg-", owner="postgres") as workdir:
        yield from _run_postgres(Path(_ensure("ensure-postgres")), workdir)


def _run_postgres(bin_dir: Path, workdir: Path) -> Iterator[str]:
    data, sockets = workdir / "data", workdir
    port = free_port()
    subprocess.run(
        _as_postgres_user([str(bin_dir / "initdb"), "-D", str(data), "-U", POSTGRES_USER,
                           "--auth=trust", "--no-sync", "-E", "UTF8"]),
        check=True, capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
    subprocess.run(
        _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                           "-l", str(workdir / "postgres.log"), "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        _wait_for_port(port, "PostgreSQL")
        subprocess.run(
            _as_postgres_user([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                               "-U", POSTGRES_USER, POSTGRES_DB]),
            check=True, capture_output=True,
        )
        yield f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}/{POSTGRES_DB}"
    finally:
        subprocess.run(_as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A fresh Redis that keeps nothing on disk; yields its URL (database 0)."""
    redis_bin = _ensure("ensure-redis")
    with _workdir("kapbot-redis-") as workdir:
        port = free_port()
        log = workdir / "redis.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(workdir)],
                stdout=output, stderr=subprocess.STDOUT,
            )
        try:
            _wait_for_port(port, "Redis")
            if process.poll() is not None:  # another server took the port first
                raise ServerStartError(f"redis-server exited:\n{log.read_text(errors='replace')[-2000:]}")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
