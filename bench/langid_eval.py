"""Accuracy, speed and memory of the chat language detector on the shared eval sets.

Usage: python bench/langid_eval.py [--eval-dir DIR] [--set FILE ...] [--show-errors]

Reads the `text`/`lang` pairs of langid-dev.jsonl and faq-dev.jsonl (default: ../shared/eval
beside the repository) and prints accuracy per locale and overall for (a) the detector with
no prior, (b) the reply policy on a first message given the true locale as platform hint,
and (c) seeded langdetect mapped to our locales, for comparison.

Then the chat sets (--set; default bench/data/langid-chat.jsonl, the cases real chat brings:
Cyrillic, Hangul and kana whatever the word, brand and programme names, kanji-only
Japanese, romanised Japanese and Russian, a term of another script inside a sentence; and
the realistic FAQ dev set): (d) the reply policy on a first message with no hint, per case,
and (e) an established conversation in another locale, which a romanised guess must never
switch.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from bot.i18n.detect import LanguageDetector
from bot.i18n.locales import LOCALES
from bot.i18n.policy import decide_reply_locale

Sample = tuple[str, str]  # (text, true locale)
Predict = Callable[[str, str], str | None]  # (text, true locale) -> predicted locale

FILES = ("langid-dev.jsonl", "faq-dev.jsonl")
CHAT_SETS = (
    Path(__file__).resolve().parent / "data" / "langid-chat.jsonl",
    Path(__file__).resolve().parent / "data" / "faq-realistic-dev.jsonl",
)
SCRIPT_SUBSETS = {
    "Hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff]"),
}
SPEED_ROUNDS = 20


def load(eval_dir: Path) -> list[Sample]:
    """The (text, lang) pairs of both eval files."""
    samples: list[Sample] = []
    for name in FILES:
        with (eval_dir / name).open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        samples += [(row["text"], row["lang"]) for row in rows]
    return samples


def rss_mib() -> float:
    """Resident memory of this process; lingua's models live in Rust, outside tracemalloc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measured(build: Callable[[], object]) -> tuple[object, float, float, float]:
    """Build something, returning it with seconds taken, RSS added and Python heap added."""
    before = rss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - start
    heap = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    return built, seconds, rss_mib() - before, heap


def report(
    title: str,
    samples: list[Sample],
    predict: Predict,
    show_errors: bool,
    detector: LanguageDetector | None = None,
) -> None:
    """Accuracy per locale, overall, on the script subsets and on zh_Hans vs zh_Hant."""
    hits: dict[str, list[bool]] = defaultdict(list)
    errors = []
    for text, lang in samples:
        got = predict(text, lang)
        hits[lang].append(got == lang)
        if got != lang:
            errors.append((lang, got, text))
    print(f"\n== {title}")
    for lang in LOCALES:
        print(f"  {lang:8} {_pct(hits[lang])}")
    print(f"  {'overall':8} {_pct([h for v in hits.values() for h in v])}")
    by_text = {text: predict(text, lang) == lang for text, lang in samples}
    for name, pattern in SCRIPT_SUBSETS.items():
        subset = [by_text[t] for t, _ in samples if pattern.search(t)]
        print(f"  with {name:9} {_pct(subset)}")
    chinese = [by_text[t] for t, lang in samples if lang in ("zh_Hans", "zh_Hant")]
    print(f"  zh_Hans vs zh_Hant {_pct(chinese)}")
    if detector is not None:  # how many Chinese texts use only characters both scripts share
        shared = [t for t, lang in samples if lang in ("zh_Hans", "zh_Hant")
                  and {"zh_Hans", "zh_Hant"} <= set(detector.detect(t).compatible)]  # fmt: skip
        decidable = [by_text[t] for t, lang in samples
                     if lang in ("zh_Hans", "zh_Hant") and t not in shared]  # fmt: skip
        print(f"    of which script-decidable {_pct(decidable)}; "
              f"{len(shared)} use shared characters only: {shared}")  # fmt: skip
    if show_errors:
        for lang, got, text in errors:
            print(f"    want {lang:8} got {got!s:8} {text}")


def _pct(values: Iterable[bool]) -> str:
    v = list(values)
    return f"{100 * sum(v) / len(v):6.1f}%  ({sum(v)}/{len(v)})" if v else "     -"


def langdetect_predictor() -> Predict:
    """Seeded langdetect over all its languages, mapped to our locale ids."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    mapping = {"zh-cn": "zh_Hans", "zh-tw": "zh_Hant"}

    def predict(text: str, _lang: str) -> str | None:
        try:
            code = detect(text)
        except LangDetectException:  # no features: emoji, digits
            return None
        return mapping.get(code, code if code in LOCALES else None)

    detect("warm up")  # profiles load on first use
    return predict


def chat_sets(paths: list[Path], detector: LanguageDetector, show_errors: bool) -> None:
    """(d) first message, no hint, per case or style; (e) no switch on a romanised guess."""
    for path in paths:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        by_case: dict[str, list[bool]] = defaultdict(list)
        errors = []
        for row in rows:
            got = decide_reply_locale(
                detector.detect(row["text"]), stored_locale=None, stored_source=None,
                platform_hint=None,
            ).locale  # fmt: skip
            case = row.get("case") or row.get("style") or "-"
            by_case[case].append(got == row["lang"])
            if got != row["lang"]:
                errors.append((row["lang"], got, row["text"]))
        print(f"\n== (d) {path.name}: reply locale of a first message, no platform hint")
        for case, hits in sorted(by_case.items()):
            print(f"  {case:14} {_pct(hits)}")
        print(f"  {'overall':14} {_pct([h for v in by_case.values() for h in v])}")
        if show_errors:
            for lang, got, text in errors:
                print(f"    want {lang:8} got {got!s:8} {text}")
        romanised = [r for r in rows if r.get("case") == "romanised"]
        if romanised:
            kept = [
                decide_reply_locale(
                    detector.detect(r["text"]), stored_locale=other, stored_source=source,
                    platform_hint=None,
                ).locale == other
                for r in romanised
                for other in ("en", "fr", "zh_Hans")
                if other != r["lang"]
                for source in ("detected", "platform")
            ]  # fmt: skip
            print("\n== (e) romanised guesses in a conversation already in another locale")
            print(f"  conversation kept {_pct(kept)}")


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=repo.parent / "shared" / "eval")
    parser.add_argument("--show-errors", action="store_true", help="list every miss")
    parser.add_argument("--set", dest="sets", type=Path, action="append", default=[],
                        help="a chat set (JSON lines: text, lang, case or style)")  # fmt: skip
    args = parser.parse_args()
    if not args.eval_dir.exists():
        args.eval_dir = Path("/work/shared/eval")
    samples = load(args.eval_dir)
    print(f"{len(samples)} samples from {args.eval_dir}")

    start_rss = rss_mib()
    built, seconds, rss_added, heap = measured(LanguageDetector)
    assert isinstance(built, LanguageDetector)
    detector = built
    print(
        f"LanguageDetector load: {seconds:.2f} s, RSS +{rss_added:.0f} MiB (Python heap"
        f" +{heap:.0f} MiB; process {start_rss:.0f} → {rss_mib():.0f} MiB)"
    )

    def no_prior(text: str, _lang: str) -> str | None:
        return detector.detect(text).locale

    def with_hint(text: str, lang: str) -> str | None:
        return decide_reply_locale(
            detector.detect(text), stored_locale=None, stored_source=None, platform_hint=lang
        ).locale

    chat_sets(args.sets or list(CHAT_SETS), detector, args.show_errors)
    report("(a) detector, no prior", samples, no_prior, args.show_errors, detector)
    report("(b) policy, first message, platform hint = true locale", samples, with_hint,
           args.show_errors)  # fmt: skip
    flagged = [(t, d.unsupported) for t, _ in samples if (d := detector.detect(t)).unsupported]
    print(f"  flagged as unsupported: {len(flagged)} {flagged[:5]}")

    texts = [t for t, _ in samples]
    start = time.perf_counter()
    for _ in range(SPEED_ROUNDS):
        for t in texts:
            detector._detect(t)  # the work itself: detect() remembers recent texts
    rate = SPEED_ROUNDS * len(texts) / (time.perf_counter() - start)
    print(f"\nspeed: {rate:,.0f} detections/s (one thread, {SPEED_ROUNDS}×{len(texts)} messages)")

    built, seconds, rss_added, _ = measured(langdetect_predictor)
    print(f"\nlangdetect load: {seconds:.2f} s, RSS +{rss_added:.0f} MiB")
    assert callable(built)
    report("(c) langdetect, seeded, all languages", samples, built, args.show_errors)


if __name__ == "__main__":
    main()
