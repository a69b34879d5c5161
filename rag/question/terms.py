"""What evidence must mention: the question's terms (jieba words, or glossary terms for English),
each with its synonyms and a weight (a noun names the topic, a verb only frames it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from rag.quantities import quantities_in
from rag.question.synonyms import GENERIC_HEADS, phrases_in, squash, synonyms
from rag.question.words import AT_LEAST, AT_MOST, OR_WORDS, POS_WEIGHT, QUESTION_WORDS
from rag.segmentation import STOPWORDS, Segmenter
from rag.text import has_chinese, normalize


@dataclass(frozen=True, slots=True)
class Term:
    """One thing evidence must mention; any alternative counts (调解|调处).

    `weight` scales its rarity: a noun names the topic (结婚证), a verb only frames it (共有).
    """

    alternatives: tuple[str, ...]
    parts: tuple[str, ...] = ()
    weight: float = 1.0
    own: int = 0
    """How many leading alternatives are the question's own words (the rest are synonyms); 0: all."""
    required: bool = False
    """Quoted in the question (“八五”普法, “3·15”): no sentence without it answers, however much else
    it shares; matched without the marks it is written with (3·15 = 3.15)."""

    @property
    def words(self) -> tuple[str, ...]:
        """The question's own words for the term, without the synonyms added to it."""
        return self.alternatives[: self.own] if self.own else self.alternatives

    def found_in(self, text: str) -> bool:
        if any(a in text for a in self.alternatives):
            return True
        # the question is read normalised (村BA asked is 村ba, 《黑神话：悟空》 has an ASCII colon):
        # a report is not, so a name the question holds is looked for in the report's text read alike
        if self.required or any(c.isascii() and c.isalpha() for a in self.alternatives for c in a):
            plain = normalize(text)
            if any(a in plain for a in self.alternatives):
                return True
            if self.required:
                squashed = squash(plain)
                return any(squash(a) in squashed for a in self.alternatives)
        return bool(self.parts) and all(p in text for p in self.parts)


class Glossary:
    """English phrases -> Chinese terms (rag/data/glossary.tsv), longest phrase first."""

    def __init__(self) -> None:
        entries: dict[str, tuple[str, ...]] = {}
        text = (resources.files("rag") / "data" / "glossary.tsv").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                en, zh = line.split("\t", 1)
                entries[en.strip().lower()] = tuple(z.strip() for z in zh.split("|") if z.strip())
        self._entries = dict(sorted(entries.items(), key=lambda kv: -len(kv[0])))

    def terms(self, text: str) -> list[tuple[int, Term]]:
        """(position, term) for each phrase found, longer phrases claiming their words first."""
        low = " " + re.sub(r"[^a-z0-9\-']+", " ", text.lower()) + " "
        taken = [False] * len(low)
        found: list[tuple[int, Term]] = []
        for phrase, zh in self._entries.items():
            for m in re.finditer(r"(?<= )" + re.escape(phrase) + r"(?= )", low):
                if not any(taken[m.start() : m.end()]):
                    taken[m.start() : m.end()] = [True] * (m.end() - m.start())
                    found.append((m.start(), Term(zh)))
        return sorted(found, key=lambda f: f[0])


def _skip(word: str) -> bool:
    return (
        len(word) < 2
        or word in QUESTION_WORDS
        or word in STOPWORDS
        or not has_chinese(word)
        or any(q.measure for q in quantities_in(word))  # 5G基站 is a name, 100件 a number
        or bool(AT_LEAST.fullmatch(word))
        or bool(AT_MOST.fullmatch(word))
    )


def terms_in(text: str, segmenter: Segmenter, glossary: Glossary) -> list[Term]:
    out: list[Term] = [t for _, t in glossary.terms(text)]
    for _, word in phrases_in(text):
        out.append(Term((word,)))
        text = text.replace(word, " ")
    join_next = False
    plain = normalize(text)
    at = 0
    joined_to = -1  # where the last term's word ended in the text, to see a head right after it
    for word, flag in segmenter.tagged(text):
        start = plain.find(word, at)
        at = start + len(word) if start >= 0 else at
        adjacent = start >= 0 and start == joined_to
        if word in OR_WORDS:
            join_next = bool(out)
            continue
        weight = 1.0 if flag == "vn" else POS_WEIGHT.get(flag[:1], 0.0)
        if weight == 0 or _skip(word):
            join_next = False
            continue
        # fragments stand in for a long compound (调解成功率 = 调解…成功率), never for a short one (粤平安 ≠ 平安)
        parts = tuple(p for p in segmenter.tokens(word) if p != word and len(p) >= 2) if len(word) >= 4 else ()
        if adjacent and word in GENERIC_HEADS and out and not out[-1].parts and len(out[-1].alternatives) == 1:
            prev = out.pop()  # 低空 + 经济: the compound the question names, whole or by its two parts
            compound = prev.alternatives[0] + word
            if prev.alternatives[0] not in GENERIC_HEADS and compound in plain:
                out.append(Term((compound,), (prev.alternatives[0], word), max(prev.weight, weight)))
                joined_to = at
                continue
            out.append(prev)
        if join_next:  # "聘请或发挥": either word will do
            prev = out.pop()
            out.append(Term((*prev.alternatives, word), (), max(prev.weight, weight)))
            join_next = False
            continue
        # 就业人数 -> 就业: a frame word inside the compound is what the question adds, not the report
        # (城镇新增就业106万人); the rest of it is the term
        framed = [p for p in segmenter.tokens(word) if p != word]
        core = "".join(p for p in framed if p not in QUESTION_WORDS)
        if len(core) >= 2 and len(framed) >= 2 and core != "".join(framed):
            out.append(Term((word, core), (), weight))
            joined_to = at
            continue
        out.append(Term((word,), parts, weight))
        joined_to = at
    unique: dict[tuple[str, ...], Term] = {}
    for t in out:
        expanded = tuple(dict.fromkeys(a2 for a in t.alternatives for a2 in (a, *synonyms(a))))
        unique.setdefault(t.alternatives, Term(expanded, t.parts, t.weight, own=len(t.alternatives)))
    return list(unique.values())
