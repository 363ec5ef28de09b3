"""Train the same pipeline with several random seeds, so NLU figures come with their spread.

One retrain moves held-out accuracy by a point or more; a figure is only worth reporting as the
mean over seeds with its spread (population standard deviation, min and max).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml


def seeded_config(config: Path, seed: int, out: Path) -> Path:
    """A copy of ``config`` whose trainable components use ``seed``."""
    data = yaml.safe_load(config.read_text())
    for component in data.get("pipeline", []):
        if "random_seed" in component:
            component["random_seed"] = seed
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def train(config: Path, seed: int, models_dir: Path) -> Path:
    """Train an NLU model with ``seed`` into ``models_dir``; returns the model's path."""
    seeded = seeded_config(config, seed, models_dir / f"config-seed{seed}.yml")
    name = f"nlu-seed{seed}"
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", str(seeded), "--out",
                    str(models_dir), "--fixed-model-name", name], check=True, stdout=subprocess.DEVNULL)
    return models_dir / f"{name}.tar.gz"


def spread(values: Iterable[float]) -> dict[str, float]:
    """Mean, population standard deviation, min and max of ``values``."""
    found = list(values)
    return {"mean": statistics.fmean(found), "stdev": statistics.pstdev(found), "min": min(found),
            "max": max(found), "runs": len(found)}


def aggregate(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per figure, its spread over the runs (only numeric figures present in every run)."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float) and all(k in r for r in runs)]
    return {key: spread(float(r[key]) for r in runs) for key in keys}


def describe(figure: dict[str, float]) -> str:
    """'97.4 % ± 0.6 (96.8-98.1, 3 seeds)'."""
    return (f"{100 * figure['mean']:.1f} % ± {100 * figure['stdev']:.1f} "
            f"({100 * figure['min']:.1f}-{100 * figure['max']:.1f}, {figure['runs']} seeds)")
