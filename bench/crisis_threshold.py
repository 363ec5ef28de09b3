"""How the crisis safety net's min_confidence trades caught crises against false alarms.

    .venv/bin/python bench/crisis_threshold.py [--model models/ischool.tar.gz] [--clinc PATH]

Parses tests/nlu/dev_crisis.yml (crises, and harmless messages with their words), the other development
sets and CLINC150's validation split with a trained model, records the crisis probability the classifier
gave each message before the safety net looked at it, and prints, per threshold, the crises caught and the
false alarms. A message counts as a crisis when the classifier put crisis first, when it contains a phrase
of the crisis lookup table, or when its crisis probability reaches the threshold. CLINC150's test split
is kept for make eval.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu import safety  # noqa: E402
from tools import evaluate  # noqa: E402

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "ischool.tar.gz"))
    parser.add_argument("--clinc", default=str(ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"))
    args = parser.parse_args()
    seen: dict[str, float] = {}

    def record(self: safety.CrisisPhraseClassifier, message) -> bool:
        seen[message.get("text")] = max((r.get("confidence", 0.0) for r in message.get("intent_ranking") or []
                                         if r.get("name") == self.config["intent"]), default=0.0)
        return False  # decided below, per threshold

    safety.CrisisPhraseClassifier._likely = record
    agent = evaluate.Parser(Path(args.model)).agent
    nlu = ROOT / "tests" / "nlu"
    sets = {name: evaluate.read_examples(nlu / f"{name}.yml") for name in ("dev_crisis", "dev2", "dev_forwarded")}
    sets["CLINC150 val"] = evaluate.read_clinc(Path(args.clinc), "val")

    async def parse(texts: list[str]) -> list[tuple[bool, float]]:
        found = []
        for text in texts:
            seen.pop(text, None)
            intent = (await agent.parse_message(text))["intent"]["name"]
            # Crisis already (first, or a listed phrase): the threshold does not matter; else its probability.
            found.append((intent == "crisis" and text not in seen, seen.get(text, 0.0)))
        return found

    parsed = {name: asyncio.run(parse([e.text for e in examples])) for name, examples in sets.items()}
    print(f"{'threshold':>9}  {'crises caught':>13}  {'false alarms':>12}  "
          + "  ".join(f"{name + ' crisis path':>24}" for name in sets if name != "dev_crisis"))
    for threshold in THRESHOLDS:
        def alarm(result: tuple[bool, float], threshold: float = threshold) -> bool:
            return result[0] or result[1] >= threshold

        crisis = [alarm(r) for e, r in zip(sets["dev_crisis"], parsed["dev_crisis"]) if e.label == "crisis"]
        harmless = [alarm(r) for e, r in zip(sets["dev_crisis"], parsed["dev_crisis"]) if e.label != "crisis"]
        others = [f"{sum(map(alarm, parsed[name])):>17} / {len(parsed[name]):<4}"
                  for name in sets if name != "dev_crisis"]
        print(f"{threshold:>9}  {sum(crisis):>7} / {len(crisis):<3}  {sum(harmless):>6} / {len(harmless):<3}  "
              + "  ".join(others))
    return 0


if __name__ == "__main__":
    sys.exit(main())
