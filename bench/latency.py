"""REST turn latency of the assistant beside a stock `rasa init` bot, measured in the same run.

Both bots run on this machine with the same Rasa version; each gets the same number of turns,
interleaved in rounds so that machine noise hits both alike. Prints p50/p95 and their ratios and
writes results/latency.json. Not a test: it reports figures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import servers  # noqa: E402

OURS = ["hi", "how is online different from on campus?", "how long is the MLS", "what about the MIM?",
        "how much is tuition", "when are the info sessions at shady grove", "what do I take in my first summer",
        "what specializations are there", "what's the weather like", "thanks"]
STOCK = ["hi", "I am sad", "yes", "very good", "are you a bot?", "bye", "hello there", "no", "great", "goodbye"]


def stock_bot(workdir: Path) -> Path:
    """A `rasa init` project with its trained model (made once, then reused)."""
    project = workdir / "stock"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if not models:
        project.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
                       check=True, env=servers.child_env(), cwd=project, stdout=subprocess.DEVNULL)
        models = sorted((project / "models").glob("*.tar.gz"))
    return models[-1]


def start_stock(model: Path, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port),
                                "--interface", "127.0.0.1"], cwd=model.parent.parent, env=servers.child_env(),
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    servers.wait_until_up(f"http://127.0.0.1:{port}/", process, "stock Rasa server", 180)
    return process


def turn(url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "ischool.tar.gz"))
    parser.add_argument("--rounds", type=int, default=30, help="conversations per bot (10 turns each)")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stock_model = stock_bot(workdir)
    ours = servers.start(Path(args.model), rasa_port=5105, action_port=5155, log_dir=workdir,
                         env={"MESSAGE_RATE_LIMIT": "0"})
    stock = start_stock(stock_model, 5106, workdir / "stock.log")
    stock_url = "http://127.0.0.1:5106/webhooks/rest/webhook"
    timings: dict[str, list[float]] = {"assistant": [], "stock rasa init": []}
    try:
        for warm in range(3):  # first turns load caches and TensorFlow graphs
            for text in OURS:
                turn(ours.rest_url, f"warmup-{warm:02d}", text)
            for text in STOCK:
                turn(stock_url, f"warmup-{warm:02d}", text)
        for _ in range(args.rounds):
            sender = uuid.uuid4().hex
            timings["assistant"] += [turn(ours.rest_url, sender, t) for t in OURS]
            timings["stock rasa init"] += [turn(stock_url, sender, t) for t in STOCK]
    finally:
        servers.stop(ours)
        stock.terminate()
        stock.wait(timeout=30)
    summary = {name: {"turns": len(v), "p50_ms": statistics.median(v), "p95_ms": percentile(v, 0.95),
                      "mean_ms": statistics.fmean(v)} for name, v in timings.items()}
    base, mine = summary["stock rasa init"], summary["assistant"]
    summary["ratio"] = {"p50": mine["p50_ms"] / base["p50_ms"], "p95": mine["p95_ms"] / base["p95_ms"]}
    out = ROOT / "results" / "latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'bot':<18}{'turns':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for name in ("assistant", "stock rasa init"):
        s = summary[name]
        print(f"{name:<18}{s['turns']:>7}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}")
    print(f"ratio (assistant / stock): p50 {summary['ratio']['p50']:.2f}, p95 {summary['ratio']['p95']:.2f}")
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
