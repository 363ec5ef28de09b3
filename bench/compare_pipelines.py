"""Train each candidate NLU pipeline on the same data; compare on the development set, held-out set, CLINC150 val.

    .venv/bin/python bench/compare_pipelines.py [--clinc PATH] [--limit 1000] [CONFIG ...]

Candidates are the CONFIG files given, or else bench/pipelines/*.yml plus the project's config.yml.
Choices are made on the development sets (tests/nlu/dev2.yml, dev_uncovered.yml near-miss questions,
dev_forwarded.yml questions relayed by staff) and CLINC150's validation split; the
held-out figure is reported beside them, and CLINC150's test split is kept for make eval.
Writes results/pipelines.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.knowledge.store import open_store  # noqa: E402
from tools import evaluate, servers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clinc", default=str(ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"))
    parser.add_argument("--limit", type=int, default=1000, help="CLINC150 val queries to sample")
    parser.add_argument("--out", default=str(ROOT / "var" / "pipelines"))
    parser.add_argument("configs", nargs="*", help="pipelines to compare (default: config.yml and bench/pipelines/)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    candidates = [Path(c).resolve() for c in args.configs] or \
        [ROOT / "config.yml", *sorted((ROOT / "bench" / "pipelines").glob("*.yml"))]
    if any("StaticEmbeddingFeaturizer" in c.read_text() for c in candidates) and \
            not (ROOT / "build" / "static-embeddings" / "vectors.npy").exists():
        subprocess.run([sys.executable, "-m", "bot", "nlp", "distill"], cwd=ROOT, env=servers.child_env(), check=True)
    heldout = evaluate.read_examples(ROOT / "tests" / "nlu" / "heldout.yml")
    dev = evaluate.read_examples(ROOT / "tests" / "nlu" / "dev2.yml")
    near_misses = evaluate.read_examples(ROOT / "tests" / "nlu" / "dev_uncovered.yml")
    forwarded = evaluate.read_examples(ROOT / "tests" / "nlu" / "dev_forwarded.yml")
    answering = evaluate.answering_labels(open_store(load_settings()))
    clinc = evaluate.read_clinc(Path(args.clinc), "val", limit=args.limit)
    rows = {}
    for config in candidates:
        name = "project config.yml" if config.name == "config.yml" else config.stem
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "rasa", "train", "--config", str(config), "--out", str(out),
                        "--fixed-model-name", config.stem], cwd=ROOT, env=servers.child_env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        train_seconds = time.monotonic() - started
        parse = evaluate.Parser(out / f"{config.stem}.tar.gz")
        nlu = evaluate.summarize(heldout, parse.labels(e.text for e in heldout))
        dev_predicted = parse.labels(e.text for e in dev)
        development = evaluate.summarize(dev, dev_predicted)
        near = evaluate.uncovered(near_misses, parse.labels(e.text for e in near_misses), answering)
        relayed = evaluate.relayed(forwarded, parse.labels(e.text for e in forwarded), answering)
        started = time.monotonic()
        off = evaluate.rejection(clinc, parse.labels(e.text for e in clinc))
        per_query_ms = (time.monotonic() - started) * 1000 / len(clinc)
        rows[name] = {"train_seconds": round(train_seconds), "dev_accuracy": development["accuracy"],
                      "dev_wrong": evaluate.wrong_answers(dev, dev_predicted),
                      "dev_false_rejection": evaluate.false_rejection(dev, dev_predicted),
                      "dev_uncovered_wrong": near["wrong_topic_rate"], "forwarded_accuracy": relayed,
                      "heldout_accuracy": nlu["accuracy"],
                      "heldout_intent_accuracy": nlu["intent_accuracy"], "macro_f1": nlu["macro_f1"],
                      "clinc_val_rejection": off["rejection_rate"], "parse_ms": per_query_ms}
        print(name, rows[name], flush=True)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "pipelines.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\n{'pipeline':<34}{'train s':>8}{'dev2':>8}{'wrong':>7}{'rejected':>9}{'near':>7}{'held-out':>10}"
          f"{'intent':>8}{'F1':>7}{'fwd':>7}{'CLINC val':>11}{'parse ms':>10}")
    for name, r in rows.items():
        print(f"{name:<34}{r['train_seconds']:>8}{100 * r['dev_accuracy']:>7.1f}%{100 * r['dev_wrong']:>6.1f}%"
              f"{100 * r['dev_false_rejection']:>8.1f}%"
              f"{100 * r['dev_uncovered_wrong']:>6.1f}%{100 * r['heldout_accuracy']:>9.1f}%"
              f"{100 * r['heldout_intent_accuracy']:>7.1f}%{r['macro_f1']:>7.3f}{100 * r['forwarded_accuracy']:>6.1f}%"
              f"{100 * r['clinc_val_rejection']:>10.1f}%{r['parse_ms']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
