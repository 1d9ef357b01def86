"""Is a kanji-only text Japanese or Chinese? Ask which language's words it is made of.

Characters alone cannot tell 書類 ("documents") or 救急車 ("ambulance") from Traditional
Chinese: every character exists in both. Words can: 書類, 手続, 番号 and 相談 are common
Japanese words and practically unused in Chinese, where the same things are 文件, 手续,
号码 and 咨询. Each Han run is split into the most probable sequence of words under each
language's unigram frequencies (wordfreq), and the two log-probabilities are compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# A character no word list explains costs as much as a very rare word.
_UNKNOWN_LOG = math.log(1e-9)
_MAX_WORD = 4


class UnigramSegmenter:
    """Best split of a Han run into words of one language (Viterbi over unigram log-probs)."""

    def __init__(self, freqs: dict[str, float], normalise: Callable[[str], str] = str) -> None:
        self.logs = {w: math.log(f) for w, f in freqs.items() if f > 0 and len(w) <= _MAX_WORD}
        self.normalise = normalise

    def log_prob(self, run: str) -> float:
        """The log-probability of the best segmentation of `run`."""
        text = self.normalise(run)
        best = [0.0] + [-math.inf] * len(text)
        for end in range(1, len(text) + 1):
            for n in range(1, min(_MAX_WORD, end) + 1):
                word = text[end - n : end]
                logp = self.logs.get(word)
                if logp is None:
                    if n > 1:
                        continue
                    logp = _UNKNOWN_LOG
                best[end] = max(best[end], best[end - n] + logp)
        return best[-1]


class KanjiOrHanzi:
    """Compares a Han text's Japanese and Chinese word readings."""

    def __init__(
        self, ja: dict[str, float], zh: dict[str, float], to_simplified: dict[int, str]
    ) -> None:
        self.ja = UnigramSegmenter(ja)
        # wordfreq's Chinese list is keyed by Simplified characters.
        self.zh = UnigramSegmenter(zh, lambda run: run.translate(to_simplified))

    def japanese_margin(self, runs: list[str]) -> float:
        """log P(runs | Japanese) − log P(runs | Chinese): above 0 reads more as Japanese."""
        return sum(self.ja.log_prob(run) - self.zh.log_prob(run) for run in runs)
