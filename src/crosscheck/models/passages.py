"""Which words and sentences of a report the stance model reads: content words, overlap features, the passage of
the evidence sentences closest to the claim."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

PASSAGE_SENTENCES = 3
PASSAGE_CHARS = 600
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    "a an the and or but of to in on at for by with from as is are was were be been being it its this that "
    "these those he she they we you i his her their our your not no will would shall should can could may "
    "might has have had do does did said says say also after before over into about than then there here "
    "which who whom what when where while all any some more most such only own same so too very just".split()
)


def content_words(text: str) -> list[str]:
    """Lower-case words without stop words."""
    return [w for w in _WORD.findall((text or "").lower()) if w not in _STOP]


def overlap_features(claim: str, evidence: str) -> list[float]:
    """Word overlap of claim and evidence: coverage of claim words, Jaccard, coverage of claim bigrams."""
    c, e = content_words(claim), content_words(evidence)
    cs, es = set(c), set(e)
    coverage = len(cs & es) / len(cs) if cs else 0.0
    jaccard = len(cs & es) / len(cs | es) if cs | es else 0.0
    cb, eb = set(zip(c, c[1:])), set(zip(e, e[1:]))
    bigrams = len(cb & eb) / len(cb) if cb else 0.0
    return [coverage, jaccard, bigrams]


def split_evidence(text: str, max_sentences: int = 60) -> list[str]:
    """Evidence sentences (the first max_sentences), via the same splitter ingestion uses."""
    from crosscheck.segment import split_sentences

    sentences = [s.text for s in split_sentences(text or "") if len(s.text) > 1]
    return sentences[:max_sentences] or [(text or "").strip()]


def select_passages(
    claims: Sequence[str], evidences: Sequence[str], embedder, k: int = PASSAGE_SENTENCES, max_chars: int = PASSAGE_CHARS
) -> tuple[list[str], np.ndarray]:
    """For each pair, the k evidence sentences most similar to the claim (in text order) and features.

    Returns the passages and a float32 matrix of relatedness features per pair:
    best sentence cosine, mean of the top-k cosines, whole-passage word overlap (3 values).
    """
    split = [split_evidence(e) for e in evidences]
    unique = list(dict.fromkeys([c or "" for c in claims] + [s for ss in split for s in ss]))
    index = {t: i for i, t in enumerate(unique)}
    vectors = embedder.embed(unique)
    passages: list[str] = []
    feats = np.zeros((len(claims), 5), dtype=np.float32)
    for i, (claim, sentences) in enumerate(zip(claims, split)):
        cv = vectors[index[claim or ""]]
        sv = vectors[[index[s] for s in sentences]]
        sims = sv @ cv
        top = np.argsort(-sims)[:k]
        passage = " ".join(sentences[j] for j in sorted(top))
        if len(passage) > max_chars:
            passage = passage[:max_chars].rsplit(" ", 1)[0]
        passages.append(passage)
        feats[i, 0] = float(sims[top[0]])
        feats[i, 1] = float(np.mean(sims[top]))
        feats[i, 2:] = overlap_features(claim, " ".join(sentences))
    return passages, feats


def short_evidence(evidences: Sequence[str]) -> np.ndarray:
    """True for evidence of at most a passage's length (a statement or a short report), per text."""
    return np.array([len(split_evidence(e)) <= PASSAGE_SENTENCES for e in evidences], dtype=bool)
