"""FAQ retrieval: accuracy on the dev sets, a BM25 baseline, build cost and latency at scale.

    .venv/bin/python bench/faq_eval.py [--dev ../shared/eval/faq-dev.jsonl]
        [--set bench/data/faq-realistic-dev.jsonl ...] [--encoders use,e5,e5+use,none]
        [--entries 1000] [--skip-scale] [--misses]

`--set PATH` (repeatable) adds a realistic set: JSON lines with text, lang, style
(context, code_switched, typos, indirect, terse, oos) and expect (a topic id, or null
when the question is out of scope). Each set is reported per style and per locale:
top-1 and top-3 in scope, out-of-scope refused, and reply-language accuracy (the locale Linzhu
would answer a first message in), next to the clean set and the BM25 baseline, with
the retrieval cost per question of that set.

Accuracy runs the dev questions through `linzhu ask --batch` (the chat pipeline:
language detection + retrieval), once per encoder setting. "top-1" counts an in-scope
question right only when Linzhu would answer it with the expected entry (faq_id);
"did you mean" and refusals count as misses. "top-3" looks at the candidates.
Out-of-scope questions count as handled when faq_id is null.

Latency is CPU time of the answering thread (one core), so other load on the machine
does not inflate it; wall time is printed beside it. The 1,000-entry index is a
synthetic scale-up: real entries cloned with perturbed phrasings, their vectors the
originals plus noise (encoding 120,000 phrasings with e5 would take hours).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.encoders import Encoder, load_encoders  # noqa: E402
from bot.knowledge.index import FaqIndex  # noqa: E402
from bot.knowledge.lexical import Bm25, word_tokens  # noqa: E402
from bot.knowledge.loader import load_faq  # noqa: E402
from bot.knowledge.model import FaqEntry, LocaleText  # noqa: E402
from bot.knowledge.retrieval import Retriever  # noqa: E402
from bot.knowledge.vectors import cached_vectors  # noqa: E402

CACHE = ROOT / "var" / "faq-cache"


def run_batch(rows: list[dict], encoder: str) -> tuple[list[dict], float]:
    env = dict(os.environ, FAQ_ENCODER=encoder)
    lines = "".join(json.dumps({"text": r["text"]}, ensure_ascii=False) + "\n" for r in rows)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--batch", "--no-overlay"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(out) == len(rows), done.stderr[-2000:]
    return out, time.perf_counter() - started


class Tally:
    """Counts for one group of questions (a style, a locale, or the whole set)."""

    def __init__(self) -> None:
        self.top1 = self.top3 = self.inscope = self.oos_ok = self.oos = 0
        self.lang_ok = self.total = 0

    def add(self, expect: str | None, out: dict, lang: str) -> bool:
        self.total += 1
        self.lang_ok += out.get("lang", lang) == lang
        if expect is None:
            self.oos += 1
            ok = out["faq_id"] is None
            self.oos_ok += ok
            return ok
        self.inscope += 1
        ok = out["faq_id"] == expect
        self.top1 += ok
        self.top3 += expect in [c["faq_id"] for c in out["candidates"][:3]]
        return ok

    def row(self, name: str, with_lang: bool) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a / b:6.1%} ({a}/{b})".ljust(16) if b else "-".ljust(16)

        cells = [
            pct(self.top1, self.inscope),
            pct(self.top3, self.inscope),
            pct(self.oos_ok, self.oos),
        ]
        if with_lang:
            cells.append(pct(self.lang_ok, self.total))
        return f"    {name:<14}" + "".join(cells)


def score(rows: list[dict], outputs: list[dict], label: str, show_misses: bool = True) -> None:
    whole = Tally()
    by_style: dict[str, Tally] = defaultdict(Tally)
    by_lang: dict[str, Tally] = defaultdict(Tally)
    misses: list[str] = []
    for row, out in zip(rows, outputs, strict=True):
        expect = row["expect"]
        style = row.get("style", "clean")
        whole.add(expect, out, row["lang"])
        by_style[style].add(expect, out, row["lang"])
        ok = by_lang[row["lang"]].add(expect, out, row["lang"])
        if not ok:
            top = out["candidates"][0]["faq_id"] if out["candidates"] else None
            got = out["faq_id"] or f"none (best {top})"
            where = f"{row['lang']}/{row.get('style', '-')}"
            lang = "" if out.get("lang", row["lang"]) == row["lang"] else f" reply:{out['lang']}"
            misses.append(f"{expect} → {got} [{where}{lang}] {row['text']}")
    with_lang = "lang" in outputs[0]
    print(f"\n== {label}")
    if whole.inscope:
        print(
            f"  in scope: top-1 {whole.top1 / whole.inscope:6.1%}"
            f"  top-3 {whole.top3 / whole.inscope:6.1%}  (n={whole.inscope})"
        )
    if whole.oos:
        print(f"  out of scope refused: {whole.oos_ok / whole.oos:6.1%}  (n={whole.oos})")
    if with_lang:
        print(f"  reply language: {whole.lang_ok / whole.total:6.1%}  (n={whole.total})")
    header = "    " + "".ljust(14) + "top-1".ljust(16) + "top-3".ljust(16) + "oos refused".ljust(16)
    header += "reply language" if with_lang else ""
    for title, groups in (("per style", by_style), ("per locale", by_lang)):
        if title == "per style" and len(groups) < 2:
            continue
        print(f"  {title}:")
        print(header)
        for name in sorted(groups):
            print(groups[name].row(name, with_lang))
    if misses and show_misses:
        print(f"  misses ({len(misses)}):")
        for miss in misses:
            print(f"    {miss}")
    elif misses:
        print(f"  misses: {len(misses)} (--misses lists them)")


class PlainBm25(Bm25):
    """BM25 without Linzhu's word prefixes: the baseline stays plain."""

    tokenise = staticmethod(word_tokens)


def bm25_baseline(rows: list[dict]) -> list[dict]:
    """Plain BM25 (words, CJK bigrams), one document per entry, best entry wins."""
    entries = list(load_faq(ROOT / "faq").entries.values())
    bm = PlainBm25(" ".join(t for _, t in e.phrasings()) for e in entries)
    outputs = []
    for row in rows:
        s = bm.scores(row["text"])
        order = np.argsort(-s)
        best = entries[order[0]]
        topics = [entries[i].id for i in order if entries[i].is_topic][:3]
        answer = best.id if best.is_topic and s[order[0]] > 0 else None
        outputs.append({"faq_id": answer, "candidates": [{"faq_id": t} for t in topics]})
    return outputs


class SyntheticEncoder:
    """Real query encoder; a perturbed phrasing gets its source's vector plus noise."""

    def __init__(self, real: Encoder, base: dict[str, np.ndarray], source: dict[str, str]):
        self.real, self.base, self.source = real, base, source
        self.name = real.name + "-synthetic"
        self.rng = np.random.default_rng(7)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            v = self.base[self.source.get(text, text)]
            v = v + self.rng.normal(0, 0.02, v.shape).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.vstack(rows)


def _perturb(text: str, rng: random.Random, k: int) -> str:
    words = text.split()
    if len(words) > 2:
        words.pop(rng.randrange(len(words)))
        return " ".join(words) + f" v{k}"
    if len(text) > 3:
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :] + f" v{k}"
    return f"{text} v{k}"


def scale_up(entries: list[FaqEntry], target: int) -> tuple[list[FaqEntry], dict[str, str]]:
    rng = random.Random(11)
    source: dict[str, str] = {}
    out = list(entries)
    k = 0
    while len(out) < target:
        k += 1
        for entry in entries:
            if len(out) >= target:
                break
            locales = {}
            for loc, t in entry.locales.items():
                phr = [_perturb(p, rng, k) for p in t.phrasings]
                for new, old in zip(phr, t.phrasings, strict=True):
                    source[new] = old
                locales[loc] = LocaleText(phr[0], tuple(phr[1:]), t.answer)
            out.append(replace(entry, id=f"synthetic.{k}-{entry.id}", locales=locales))
    return out, source


def latency(index: FaqIndex, texts: list[str], label: str) -> None:
    retriever = Retriever(index)
    for text in texts[:5]:
        retriever.decide(text)  # warm up caches and lazy model loads
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(2):
        for text in texts:
            c, w = time.thread_time(), time.perf_counter()
            retriever.decide(text)
            cpu.append(time.thread_time() - c)
            wall.append(time.perf_counter() - w)
    c_ms, w_ms = np.array(cpu) * 1000, np.array(wall) * 1000
    print(
        f"  {label}: CPU p50 {np.percentile(c_ms, 50):.1f} ms  p99 {np.percentile(c_ms, 99):.1f} ms"
        f"   (wall p50 {np.percentile(w_ms, 50):.1f} / p99 {np.percentile(w_ms, 99):.1f} ms,"
        f" n={len(cpu)})"
    )


def build_and_latency(
    encoder_setting: str, sets: dict[str, list[str]], n_entries: int, scale: bool
) -> None:
    print(f"\n== index build, memory and latency ({encoder_setting})")
    entries = list(load_faq(ROOT / "faq").entries.values())
    encoders = load_encoders(encoder_setting)
    for enc in encoders:
        getattr(enc, "available", True)  # model load is not index build
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    index = FaqIndex(entries, encoders, CACHE)
    seconds = time.perf_counter() - started
    print(
        f"  {len(entries)} entries, {len(index.texts)} phrasings: build {seconds:.2f} s"
        f" (vectors from cache), index memory {index.memory_bytes / 1e6:.1f} MB,"
        f" max RSS +{(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1e3:.0f} MB"
    )
    for name, texts in sets.items():
        latency(index, texts, f"{len(entries)} entries, {name}")
    if not scale:
        return
    big, source = scale_up(entries, n_entries)
    synthetic: list[Encoder] = []
    for enc in encoders:
        vectors = cached_vectors(enc, index.texts, CACHE)
        base = dict(zip(index.texts, vectors, strict=True))
        synthetic.append(SyntheticEncoder(enc, base, source))
    started = time.perf_counter()
    big_index = FaqIndex(big, synthetic, None)
    print(
        f"  {len(big)} entries, {len(big_index.texts)} phrasings: build"
        f" {time.perf_counter() - started:.2f} s (incl. synthetic vectors),"
        f" index memory {big_index.memory_bytes / 1e6:.1f} MB"
    )
    for name, texts in sets.items():
        latency(big_index, texts, f"{len(big)} entries, {name}")


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def evaluate(path: Path, settings: list[str], show_misses: bool) -> None:
    rows = read_set(path)
    print(f"\n######## {len(rows)} questions from {path}")
    for setting in settings:
        outputs, seconds = run_batch(rows, setting)
        label = f"Linzhu, FAQ_ENCODER={setting} ({seconds:.1f} s for the batch)"
        score(rows, outputs, label, show_misses)
    label = "baseline: plain BM25 (words + CJK bigrams), one doc per entry"
    score(rows, bm25_baseline(rows), label, show_misses=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared/eval/faq-dev.jsonl")
    parser.add_argument(
        "--set",
        dest="sets",
        type=Path,
        action="append",
        default=[],
        help="a realistic set (JSON lines: text, lang, style, expect); repeatable",
    )
    parser.add_argument("--encoders", default="use,e5,e5+use,none")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    if not args.dev.exists():
        args.dev = Path("/work/shared/eval/faq-dev.jsonl")
    settings = [s.strip() for s in args.encoders.split(",") if s.strip()]
    texts: dict[str, list[str]] = {}
    for path in (args.dev, *args.sets):
        evaluate(path, settings, args.misses or path != args.dev)
        texts[path.name] = [r["text"] for r in read_set(path)]
    build_and_latency(settings[0], texts, args.entries, not args.skip_scale)


if __name__ == "__main__":
    main()
