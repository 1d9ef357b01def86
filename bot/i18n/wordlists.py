"""wordfreq's word lists, loaded without wordfreq's process-long caches."""

from __future__ import annotations

import itertools

import wordfreq


def wordlist(lang: str, top: int | None = None) -> dict[str, float]:
    """wordfreq's "small" list for `lang`, optionally cut to its `top` commonest words."""
    try:
        words = wordfreq.get_frequency_dict(lang, "small")  # ordered, commonest first
    except LookupError:  # wordfreq has no list for it: no word evidence either way
        return {}
    finally:
        release_wordfreq_caches()
    return dict(itertools.islice(words.items(), top))


def release_wordfreq_caches() -> None:
    """wordfreq memoises every list it loads for the life of the process; we keep our own
    copies of what we use, so its caches would only double the memory."""
    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()
