"""The emergency detector on labelled sets: recall, false alarms, questions asked, cost.

    .venv/bin/python bench/emergency_eval.py --set PATH [--set PATH …] [--encoder use]
    .venv/bin/python bench/emergency_eval.py --cv [--folds 6] [--sweep]
    .venv/bin/python bench/emergency_eval.py --by-set

A set is JSONL, one `{"text", "lang", "kind"}` per line (kind null: not an emergency;
kinds as in bot/guided/emergency/kinds.py). `--set` runs the detector exactly as the
server builds it (phrase list + a semantic head per configured encoder, trained on
bot/guided/emergency/training/ and the FAQ's phrasings): use it on sets kept apart from
that training data. `--cv` cross-validates on the training data, folds grouped so that a
message is never tested against its own translation. `--by-set` trains on all training
sets but one and tests on that one (base was written by other people; added, panic and
mild by the developer): closer to what new writers will do, but still OPTIMISTIC, like
--cv, because the phrase list and the thresholds were chosen looking at this data. Both
also report the ordinary traffic: the FAQ's phrasings, whole entries held out by fold.

Counted per message:
- caught: the guard answered with the numbers — it fired, or it asked "Is someone in
  danger right now?" (that message carries the numbers too); recall = caught emergencies;
- fired: the full reply at once; false alarm = a non-emergency that fired;
- asked: the question instead; the ask-rate is shown for emergencies and non-emergencies;
- right number: a fired emergency whose reply's first number is the kind's service.
Cost: the detector per message (phrases, framing, semantic head) on top of the shared
sentence embedding, which the FAQ computes anyway; p50/p99, single-threaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings
from bot.guided.emergency.detector import (
    EmergencyDetector,
    Thresholds,
    Verdict,
    decide,
    needs_neighbours,
    second_opinion,
)
from bot.guided.emergency.kinds import KINDS, kind_of
from bot.guided.emergency.phrases import Detection, default_matcher
from bot.guided.emergency.semantic import (
    NOT_ORDINARY,
    Bank,
    Scores,
    SemanticSignal,
    fit_with_ordinary,
)
from bot.guided.emergency.training import Example, load_training, read_jsonl
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding import QueryVectors
from bot.knowledge.encoders import Encoder


@dataclass
class Scored:
    """The semantic signal on one message, and its neighbour share read only if needed."""

    scores: Scores | None
    signal: SemanticSignal
    query: QueryVectors
    _share: list[float | None] | None = None

    def share(self) -> float | None:
        if self._share is None:
            self._share = [self.signal.emergency_neighbours(self.query)]
        return self._share[0]


def scored(signal: SemanticSignal, query: QueryVectors) -> Scored:
    return Scored(signal.score(query), signal, query)


@dataclass(frozen=True)
class Result:
    example: Example
    verdict: Verdict


def embed_all(encoders: Sequence[Encoder], texts: list[str]) -> list[QueryVectors]:
    per: dict[str, np.ndarray] = {}
    for encoder in encoders:
        chunks = [encoder.encode_queries(texts[i : i + 64]) for i in range(0, len(texts), 64)]
        per[encoder.name] = np.vstack(chunks) if chunks else np.zeros((0, 1))
    return [QueryVectors(t, {n: v[i] for n, v in per.items()}) for i, t in enumerate(texts)]


def rate(hit: int, total: int) -> str:
    return f"{hit / total:6.1%} ({hit}/{total})" if total else "     – (0)"


def caught(r: Result) -> bool:
    return r.verdict.action != "none"


def right_number(r: Result) -> bool:
    return kind_of(r.verdict.kind).first_service == kind_of(r.example.kind).first_service


def report(results: list[Result], title: str) -> None:
    print(f"\n== {title}")
    pos = [r for r in results if r.example.kind]
    neg = [r for r in results if not r.example.kind]
    fired = [r for r in pos if r.verdict.fires]
    print(f"recall (fired or asked): {rate(sum(map(caught, pos)), len(pos))}")
    print(f"  fired at once:         {rate(len(fired), len(pos))}")
    print(f"  asked first:           {rate(sum(r.verdict.action == 'ask' for r in pos), len(pos))}")
    print(f"  right first number:    {rate(sum(map(right_number, fired)), len(fired))} of fired")
    kind_ok = sum(r.verdict.kind == r.example.kind for r in fired)
    print(f"  right kind:            {rate(kind_ok, len(fired))} of fired")
    print(f"false alarms (fired):    {rate(sum(r.verdict.fires for r in neg), len(neg))}")
    print(f"asked non-emergencies:   {rate(sum(r.verdict.action == 'ask' for r in neg), len(neg))}")
    print("\nper locale  recall            fired             false alarm       asked (non-em.)")
    for locale in sorted({r.example.lang for r in results}):
        p = [r for r in pos if r.example.lang == locale]
        n = [r for r in neg if r.example.lang == locale]
        print(
            f"  {locale:8} {rate(sum(map(caught, p)), len(p)):17} "
            f"{rate(sum(r.verdict.fires for r in p), len(p)):17} "
            f"{rate(sum(r.verdict.fires for r in n), len(n)):17} "
            f"{rate(sum(r.verdict.action == 'ask' for r in n), len(n))}"
        )
    print("\nper kind          recall            fired             right first number")
    for kind in KINDS:
        p = [r for r in pos if r.example.kind == kind]
        f = [r for r in p if r.verdict.fires]
        print(
            f"  {kind:15} {rate(sum(map(caught, p)), len(p)):17} "
            f"{rate(len(f), len(p)):17} {rate(sum(map(right_number, f)), len(f))}"
        )


def show_errors(results: list[Result]) -> None:
    print("\nmissed emergencies, false alarms, questions asked of non-emergencies:")
    for r in results:
        e, v = r.example, r.verdict
        score = f"{v.score:.2f}" if v.score is not None else "  – "
        if e.kind and v.action == "none":
            print(f"  MISSED  {e.lang:7} {e.kind:14} p={score} {e.text}")
        elif not e.kind and v.action != "none":
            print(f"  {v.action.upper():7} {e.lang:7} {v.kind or '?':14} p={score} {e.text}")


def cost(assess: Callable[[str, QueryVectors], Verdict], queries: list[QueryVectors]) -> None:
    for query in queries[:50]:
        assess(query.text, query)  # warm-up
    timings = []
    for _ in range(3):
        for query in queries:
            start = time.perf_counter()
            assess(query.text, query)
            timings.append((time.perf_counter() - start) * 1000)
    p50, p99 = np.percentile(timings, [50, 99])
    print(
        f"\ndetector cost per message on top of the shared embedding: p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms ({len(timings)} runs; 2 shared cores, other jobs running: "
        "pessimistic)"
    )


def load_knowledge(encoder_setting: str) -> KnowledgeBase:
    settings = load_settings()
    return KnowledgeBase.from_settings(settings.faq_dir, encoder_setting, settings.faq_cache_dir)


def live_encoders(knowledge: KnowledgeBase) -> list[Encoder]:
    return [d.encoder for d in knowledge.index.live_dense()]


def evaluate_sets(paths: list[Path], encoder_setting: str, errors: bool) -> None:
    knowledge = load_knowledge(encoder_setting)
    detector = EmergencyDetector.for_knowledge(knowledge, load_settings().faq_cache_dir)
    print(f"encoders: {'+'.join(detector.encoder_names) or 'none (phrase list alone)'}")
    for path in paths:
        examples = read_jsonl(path)
        queries = embed_all(live_encoders(knowledge), [e.text for e in examples])
        results = [
            Result(e, detector.assess(e.text, q)) for e, q in zip(examples, queries, strict=True)
        ]
        report(results, f"{path} ({len(examples)} messages)")
        if errors:
            show_errors(results)
        cost(detector.assess, queries)


class Bench:
    """The training data, its vectors and its phrase signals, computed once."""

    def __init__(self, encoder_setting: str) -> None:
        self.knowledge = load_knowledge(encoder_setting)
        self.encoders = live_encoders(self.knowledge)
        self.examples = load_training()
        self.queries = embed_all(self.encoders, [e.text for e in self.examples])
        matcher = default_matcher()
        self.hits = [matcher.hits(e.text) for e in self.examples]
        framings = [matcher.framing(e.text) for e in self.examples]
        self.about = [f.about_not_in for f in framings]
        self.question = [f.question for f in framings]
        index = self.knowledge.index
        self.faq_ids = [index.entries[i].id for i in index.owner]
        self.faq_texts = index.texts
        self.faq_vectors = {d.encoder.name: d.vectors for d in index.live_dense()}
        self.faq_hits = [matcher.hits(t) for t in self.faq_texts]
        faq_framings = [matcher.framing(t) for t in self.faq_texts]
        self.faq_about = [f.about_not_in for f in faq_framings]
        self.faq_question = [f.question for f in faq_framings]

    def signal(self, train: Sequence[int], faq_rows: np.ndarray) -> SemanticSignal:
        heads, banks = {}, {}
        for encoder in self.encoders:
            vectors = np.vstack([self.queries[i].by_encoder[encoder.name] for i in train])
            ordinary = self.faq_vectors[encoder.name][faq_rows]
            labels = [self.examples[i].kind for i in train]
            heads[encoder.name] = fit_with_ordinary(vectors, labels, ordinary)
            banks[encoder.name] = Bank.of(vectors, labels, ordinary, heads[encoder.name])
        return SemanticSignal(heads, banks)

    def ordinary_rows(self, fold: int | None, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAQ rows to train on and to test on: whole entries held out by fold."""
        entries = sorted({i for i in self.faq_ids if i not in NOT_ORDINARY})
        fold_of = {entry: n % k for n, entry in enumerate(entries)}
        usable = np.array([i in fold_of for i in self.faq_ids])
        held = np.array([fold_of.get(i) == fold for i in self.faq_ids])
        return np.where(usable & ~held)[0], np.where(usable & held)[0]

    def verdict(
        self,
        hits: list[Detection],
        about: bool,
        signal: Scored,
        t: Thresholds,
        question: bool = False,
    ) -> Verdict:
        if signal.scores is None:
            fired = bool(hits) and not about
            return Verdict("fire", hits[0].kind) if fired else Verdict("none")
        verdict = decide(hits, about, signal.scores, t, question)
        if needs_neighbours(verdict, t):
            verdict = second_opinion(verdict, signal.share(), t)
        return verdict


def cross_validate(bench: Bench, k: int, sweep: bool, errors: bool) -> None:
    folds = folds_of(bench.examples, k)
    scores: list[Scored] = []
    by_index: dict[int, Scored] = {}
    faq_scores: dict[int, Scored] = {}
    for fold in range(k):
        train = [i for i, f in enumerate(folds) if f != fold]
        faq_train, faq_test = bench.ordinary_rows(fold, k)
        signal = bench.signal(train, faq_train)
        for i, f in enumerate(folds):
            if f == fold:
                by_index[i] = scored(signal, bench.queries[i])
        for row in faq_test:
            faq_scores[int(row)] = scored(signal, _faq_query(bench, int(row)))
    scores = [by_index[i] for i in range(len(bench.examples))]
    names = "+".join(e.name for e in bench.encoders) or "none (phrase list alone)"
    print(f"encoders: {names}; {len(bench.examples)} training messages, {k} folds")

    def run(t: Thresholds) -> list[Result]:
        rows = zip(bench.examples, bench.hits, bench.about, scores, bench.question, strict=True)
        return [Result(e, bench.verdict(h, a, s, t, q)) for e, h, a, s, q in rows]

    def ordinary(t: Thresholds) -> tuple[int, int, int]:
        actions = [
            bench.verdict(bench.faq_hits[r], bench.faq_about[r], s, t, bench.faq_question[r]).action
            for r, s in faq_scores.items()
        ]
        return actions.count("fire"), actions.count("ask"), len(actions)

    if sweep:
        print(
            "\nconfirm ask  about about_phrase | recall fired  FA    asked(neg) | FAQ: fired asked"
        )
        for confirm in (0.1, 0.25, 0.4):
            for ask in (0.3, 0.35, 0.4, 0.5):
                for about in (0.85, 0.95):
                    for about_phrase in (0.4, 0.5, 0.7):
                        t = Thresholds(
                            confirm=confirm, ask=ask, ask_about=about, ask_about_phrase=about_phrase
                        )
                        rs = run(t)
                        pos = [r for r in rs if r.example.kind]
                        neg = [r for r in rs if not r.example.kind]
                        f, a, n = ordinary(t)
                        print(
                            f"{confirm:7} {ask:4} {about:5} {about_phrase:12} | "
                            f"{np.mean([caught(r) for r in pos]):.3f}  "
                            f"{np.mean([r.verdict.fires for r in pos]):.3f}  "
                            f"{np.mean([r.verdict.fires for r in neg]):.3f} "
                            f"{np.mean([r.verdict.action == 'ask' for r in neg]):.3f}      | "
                            f"{f / max(n, 1):.4f} {a / max(n, 1):.4f}"
                        )
    t = Thresholds()
    results = run(t)
    report(results, f"cross-validation on the training data, {k} folds (OPTIMISTIC)")
    report_ordinary(*ordinary(t))
    if errors:
        show_errors(results)
    every = list(range(len(bench.examples)))
    detector = EmergencyDetector(
        default_matcher(), bench.signal(every, bench.ordinary_rows(None, k)[0])
    )
    cost(detector.assess, bench.queries)


def by_set(bench: Bench, errors: bool) -> None:
    """Leave one training set out: the semantic head never saw that writer's messages."""
    sets = [e.group.split(":")[0].split("-")[0] for e in bench.examples]
    faq_train, _ = bench.ordinary_rows(None, 6)
    for held in dict.fromkeys(sets):
        train = [i for i, s in enumerate(sets) if s != held]
        signal = bench.signal(train, faq_train)
        results = [
            Result(
                bench.examples[i],
                bench.verdict(
                    bench.hits[i],
                    bench.about[i],
                    scored(signal, bench.queries[i]),
                    Thresholds(),
                    bench.question[i],
                ),
            )
            for i, s in enumerate(sets)
            if s == held
        ]
        report(results, f"training set {held!r} left out ({len(results)} messages; OPTIMISTIC)")
        if errors:
            show_errors(results)


def report_ordinary(fired: int, asked: int, total: int) -> None:
    print(
        f"\nordinary questions (the FAQ's phrasings, entries held out): "
        f"fired {rate(fired, total)}, asked {rate(asked, total)}"
    )


def _faq_query(bench: Bench, row: int) -> QueryVectors:
    text = bench.faq_texts[row]
    return QueryVectors(text, {name: v[row] for name, v in bench.faq_vectors.items()})


def folds_of(examples: list[Example], k: int) -> list[int]:
    """Fold per example: each kind's groups dealt round-robin, translations kept together."""
    group_fold: dict[str, int] = {}
    dealt: dict[str, int] = defaultdict(int)
    for e in examples:
        if e.group not in group_fold:
            label = e.kind or "none"
            group_fold[e.group] = dealt[label] % k
            dealt[label] += 1
    return [group_fold[e.group] for e in examples]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, action="append", default=[], help="a JSONL set")
    parser.add_argument("--cv", action="store_true", help="cross-validate on the training data")
    parser.add_argument("--by-set", action="store_true", help="leave one training set out")
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--sweep", action="store_true", help="with --cv: a grid of thresholds")
    parser.add_argument("--encoder", help="use, e5, use+e5 or none (default: FAQ_ENCODER)")
    parser.add_argument("--errors", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()
    setting = args.encoder if args.encoder is not None else load_settings().faq_encoder
    if not (args.set or args.cv or args.by_set):
        parser.error("give --set PATH (one or more), --cv or --by-set")
    if args.cv or args.by_set:
        bench = Bench(setting)
        if args.by_set:
            by_set(bench, args.errors)
        if args.cv:
            cross_validate(bench, args.folds, args.sweep, args.errors)
    if args.set:
        evaluate_sets(args.set, setting, args.errors)


if __name__ == "__main__":
    main()
