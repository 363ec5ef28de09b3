"""``python -m bot nlp``: build what the NLU pipeline loads (spaCy pipeline, encoder graph)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.knowledge.store import open_store


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    nlp_parser = commands.add_parser("nlp", help="build the spaCy pipeline used by the NLU")
    n = nlp_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = n.add_parser("build", help="build the pipeline and entity ruler from the knowledge store")
    p.add_argument("--out", help="output folder (default: build/spacy-ischool)")
    p.add_argument("--force", action="store_true", help="rebuild even when the vocabulary is unchanged")
    p.set_defaults(handler=_nlp_build)
    p = n.add_parser("encoder", help="write the sentence encoder's ONNX graph from the pinned weights")
    p.add_argument("--out", default="build/sentence-encoder", help="output folder (default: %(default)s)")
    p.add_argument("--precision", choices=["fp32", "int8"], default="fp32",
                   help="float32 (default: the same vectors on every CPU) or int8 weight matrices")
    p.set_defaults(handler=_nlp_encoder)
    p = n.add_parser("distill", help="distil static token embeddings from the pinned sentence encoder")
    p.add_argument("--out", default="build/static-embeddings", help="output folder (default: %(default)s)")
    p.set_defaults(handler=_nlp_distill)


def _nlp_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu import spacy_pipeline as nlp  # spaCy (and the TensorFlow it probes for) load only for this command

    store = open_store(settings)
    out = Path(args.out) if args.out else settings.spacy_model_dir
    built = nlp.build_to_disk(store.synonyms(), out, force=args.force)
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {out}")
    return 0


def _nlp_distill(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu import static_embeddings  # TensorFlow and transformers load only for this command

    try:
        size = static_embeddings.distill(static_embeddings.encoder_dir(), Path(args.out))
    except static_embeddings.EncoderError as exc:
        print(f"Cannot distil the embeddings: {exc}", file=sys.stderr)
        return 1
    print(f"Distilled {size} token vectors into {args.out}")
    return 0


def _nlp_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu import encoder_graph, static_embeddings  # onnx loads only for this command

    try:
        path = encoder_graph.ensure(static_embeddings.encoder_dir(), Path(args.out), args.precision)
    except static_embeddings.EncoderError as exc:
        print(f"Cannot write the encoder graph: {exc}", file=sys.stderr)
        return 1
    print(f"Sentence encoder graph ({args.precision}): {path}")
    return 0
