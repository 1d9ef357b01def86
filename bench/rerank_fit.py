"""Fit the re-ranker's weights (bot/knowledge/rerank.py) on the development sets only.

    .venv/bin/python bench/rerank_fit.py [--set bench/data/faq-realistic-dev.jsonl]
        [--dev ../shared/eval/faq-dev.jsonl] [--l2 0] [--folds 5]

For every dev question the first stage's best candidates and their signals are computed;
the weights maximise the softmax likelihood of the right candidate (the expected topic,
or for an out-of-scope question the best "not covered" entry among the candidates),
non-negative and summing to one, optionally pulled towards the first stage's own mix
(--l2; the weights in rerank.py were fitted with --l2 0). It prints
top-1 among the candidates for the first stage and for the re-ranker, on the data it was
fitted on and in k-fold cross-validation (an honest estimate for unseen questions), then
the weights to paste into rerank.py. Held-out sets must never be passed here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.embedding import encode_batch  # noqa: E402
from bot.knowledge.encoders import load_encoders  # noqa: E402
from bot.knowledge.index import FaqIndex  # noqa: E402
from bot.knowledge.loader import load_faq  # noqa: E402
from bot.knowledge.rerank import FEATURES, candidate_features  # noqa: E402

CACHE = ROOT / "var" / "faq-cache"
# The first stage's mix (index.py: W_TOP3, W_MAX, W_LEX, W_BM25), normalised.
PRIOR = {"top3": 0.5, "max": 0.25, "lex": 0.15, "bm25": 0.1}


def collect(index: FaqIndex, rows: list[dict]) -> tuple[list[np.ndarray], list[int]]:
    """Per question: its candidates' feature matrix and the right candidate's position."""
    encoders = [d.encoder for d in index.live_dense()]
    ids = [e.id for e in index.entries]
    kinds = [e.kind for e in index.entries]
    feats, targets = [], []
    queries = encode_batch(lambda: encoders, [r["text"] for r in rows])
    for row, query in zip(rows, queries, strict=True):
        found = candidate_features(index, row["text"], index.scores(row["text"], query), query)
        names = [ids[i] for i in found.entries]
        if row["expect"] is not None:
            target = names.index(row["expect"]) if row["expect"] in names else -1
        else:
            covered = [j for j, i in enumerate(found.entries) if kinds[i] == "not_covered"]
            target = covered[0] if covered else -1
        if target >= 0:
            feats.append(found.features)
            targets.append(target)
    return feats, targets


def fit(feats: list[np.ndarray], targets: list[int], l2: float, scale: float) -> np.ndarray:
    """Adam on the softmax loss, with w = softmax(θ) (non-negative, summing to one) and a
    learnt sharpness; `scale` is the sharpness it starts from."""
    prior = np.array([PRIOR.get(n, 0.0) for n in FEATURES])
    theta = np.log(np.maximum(prior, 0.02))
    log_s = np.log(scale)
    x = np.stack(feats)  # questions × K × F
    onehot = np.zeros(x.shape[:2])
    onehot[np.arange(len(targets)), targets] = 1.0
    params = np.append(theta, log_s)
    m = np.zeros_like(params)
    v = np.zeros_like(params)
    for step in range(1, 2001):
        theta, log_s = params[:-1], params[-1]
        w = np.exp(theta - theta.max())
        w /= w.sum()
        s = np.exp(log_s)
        z = x @ w  # questions × K
        logits = s * z
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g_z = (p - onehot) / len(targets)  # d loss / d logits
        g_w = s * np.einsum("qk,qkf->f", g_z, x) + 2 * l2 * (w - prior)
        g_theta = w * (g_w - (w @ g_w))
        g_log_s = s * float(np.sum(g_z * z))
        grad = np.append(g_theta, g_log_s)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        params -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    w = np.exp(params[:-1] - params[:-1].max())
    return w / w.sum()


def top1(feats: list[np.ndarray], targets: list[int], w: np.ndarray) -> float:
    return float(np.mean([int(np.argmax(f @ w) == t) for f, t in zip(feats, targets, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="sets", type=Path, action="append", default=[])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared/eval/faq-dev.jsonl")
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--scale", type=float, default=50.0, help="softmax sharpness")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    if not args.dev.exists():
        args.dev = Path("/work/shared/eval/faq-dev.jsonl")
    sets = args.sets or [ROOT / "bench/data/faq-realistic-dev.jsonl"]
    rows = [
        json.loads(line)
        for path in (args.dev, *sets)
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    entries = list(load_faq(ROOT / "faq").entries.values())
    index = FaqIndex(entries, load_encoders("use"), CACHE)
    feats, targets = collect(index, rows)
    prior = np.array([PRIOR.get(n, 0.0) for n in FEATURES])
    print(f"{len(feats)} of {len(rows)} questions have their answer among the candidates")
    w = fit(feats, targets, args.l2, args.scale)
    print(f"top-1 among candidates, first stage: {top1(feats, targets, prior):.1%}")
    print(f"top-1 among candidates, re-ranked (fitted on these): {top1(feats, targets, w):.1%}")
    rng = np.random.default_rng(3)
    fold = rng.permutation(len(feats)) % args.folds
    hits_first, hits_cv = [], []
    for k in range(args.folds):
        train = [i for i in range(len(feats)) if fold[i] != k]
        test = [i for i in range(len(feats)) if fold[i] == k]
        wk = fit([feats[i] for i in train], [targets[i] for i in train], args.l2, args.scale)
        hits_cv += [int(np.argmax(feats[i] @ wk) == targets[i]) for i in test]
        hits_first += [int(np.argmax(feats[i] @ prior) == targets[i]) for i in test]
    print(
        f"{args.folds}-fold cross-validation: first stage {np.mean(hits_first):.1%},"
        f" re-ranked {np.mean(hits_cv):.1%}"
    )
    print("WEIGHTS = {")
    for name, value in zip(FEATURES, w, strict=True):
        print(f'    "{name}": {value:.3f},')
    print("}")


if __name__ == "__main__":
    main()
