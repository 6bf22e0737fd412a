"""kapbot next to stock ``rasa run`` on the same trained model, in one run.

Run with `make bench` (or `.venv/bin/python bench/compare.py`). Starts, one after
another on free loopback ports: ``kapbot serve``; ``kapbot serve --workers 2`` (one
process against two on this machine); ``rasa run --enable-api`` with a SQL tracker
store on a SQLite file (the anchor); and ``rasa run`` with the in-memory store. Each
gets the same messages; one table compares them, with kapbot / anchor.
The machine is shared, so absolute figures are noisy: read the ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, servers  # noqa: E402

ANCHOR = "rasa-sql"


@dataclass
class Result:
    server: str
    note: str
    ready_s: float
    figures: load.Figures
    rss_mb: float
    load_1min: float  # the machine's load average as this server's messages began: the noise


# (label, how to read it from a result, format); the table's columns, in order.
METRICS: List[Tuple[str, Callable[[Result], float], str]] = [
    ("load avg 1 min", lambda r: r.load_1min, "{:.1f}"),
    ("ready s", lambda r: r.ready_s, "{:.1f}"),
    ("p50 ms", lambda r: r.figures.p50_ms, "{:.0f}"),
    ("p95 ms", lambda r: r.figures.p95_ms, "{:.0f}"),
    (f"msg/s @{load.CONCURRENCY}", lambda r: r.figures.throughput_rps, "{:.1f}"),
    ("RSS MB", lambda r: r.rss_mb, "{:.0f}"),
    ("turn 1-10 ms", lambda r: r.figures.turn_first_ms, "{:.0f}"),
    ("turn 191-200 ms", lambda r: r.figures.turn_last_ms, "{:.0f}"),
]


def latest_model(models_dir: Path) -> Path:
    """The model ``kapbot serve`` would load (bot.engine.latest_model, without importing Rasa here)."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(f"no trained model in {models_dir}; run 'make train'")
    return models[-1]


def pinned_model(tmp: Path, model: Path) -> Path:
    """A copy of ``model`` in a folder of its own: a model trained, or pruned, mid-run
    (tests elsewhere on the machine repackage and prune models/) changes nothing here."""
    pinned = tmp / "models"
    pinned.mkdir()
    return Path(shutil.copy2(model, pinned / model.name))


def build_servers(tmp: Path, model: Path) -> Dict[str, servers.Server]:
    """``model`` is the pinned copy; kapbot loads the newest model of its folder."""
    return {
        "kapbot": servers.kapbot(tmp / "kapbot", model.parent),
        "kapbot-2w": servers.kapbot(tmp / "kapbot-2w", model.parent, workers=2),
        "rasa-sql": servers.rasa(tmp / "rasa-sql", model, sql=True),
        "rasa-memory": servers.rasa(tmp / "rasa-memory", model, sql=False),
    }


def run_one(server: servers.Server, log_dir: Path) -> Result:
    with servers.running(server, log_dir) as run:
        print(f"  {server.name}: ready after {run.ready_s:.1f} s; sending messages", flush=True)
        machine_load = float(load_average().split()[0])
        figures = asyncio.run(load.measure(server.main.url, server.chat_path, server.body))
        rss = servers.rss_mb(run.pids)
    return Result(server.name, server.note, run.ready_s, figures, rss, machine_load)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def format_table(results: List[Result]) -> str:
    anchor = next((r for r in results if r.server == ANCHOR), None)
    width = max(len(label) for label, _, _ in METRICS) + 2
    rows = [f"{'':{width}}" + "".join(f"{r.server:>14}" for r in results)
            + (f"{'kapbot/anchor':>15}" if anchor else "")]
    kapbot = next((r for r in results if r.server == "kapbot"), None)
    for label, value, fmt in METRICS:
        row = f"{label:{width}}" + "".join(f"{fmt.format(value(r)):>14}" for r in results)
        if anchor and kapbot:
            row += f"{ratio(value(kapbot), value(anchor)):>15}"
        rows.append(row)
    return "\n".join(rows)


def ratio(value: float, anchor: float) -> str:
    return f"{value / anchor:.2f}x" if anchor and not math.isnan(anchor) else "-"


def report(results: List[Result], model: Path, loads: List[str]) -> str:
    lines = [
        f"model: {model.name}",
        f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1/5/15 min) before and after:"
        f" {loads[0]}  |  {loads[-1]}  on {os.cpu_count()} cores",
        f"per server: {load.WARM_UP} warm-up messages (not counted); p50/p95 of {load.SEQUENTIAL} messages one at"
        f" a time, each a new conversation; msg/s of {load.CONCURRENT} new conversations from"
        f" {load.CONCURRENCY} concurrent clients; RSS of the server's processes (and its action server's)"
        f" after that; median of turns 1-{load.EDGE} and {load.TURNS - load.EDGE + 1}-{load.TURNS} of one"
        f" {load.TURNS}-turn conversation.",
        *(f"  {r.server}: {r.note}" for r in results),
        f"anchor: {ANCHOR}; servers run one after another, never at once.",
        "",
        format_table(results),
    ]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="kapbot,kapbot-2w,rasa-sql,rasa-memory",
                        help="comma-separated, in run order")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, stores)")
    parser.add_argument("--model", type=Path, help="a model archive (default: the newest in models/)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kapbot-compare-"))
    try:
        model = pinned_model(tmp, args.model or latest_model(servers.PROJECT_DIR / "models"))
        available = build_servers(tmp, model)
        loads, results = [load_average()], []
        for name in args.servers.split(","):
            results.append(run_one(available[name], tmp))
        loads.append(load_average())
        print(report(results, model, loads))
    finally:
        if args.keep:
            print(f"logs and stores kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
