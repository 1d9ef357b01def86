"""The knowledge base other areas use: entries by id, and questions → decisions.

It holds one immutable snapshot (entries + index + retriever). A reload builds a new
snapshot beside the old one and swaps it in only if faq/ validated cleanly, so staff
who save a broken file never take answers away from residents. Every snapshot is faq/'s
entries with the overlay merged in: the alternates staff added in the console
(`set_overlay`; bot/knowledge/overlay.py), so either can change without losing the other.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core import heap
from bot.core.batching import MicroBatcher
from bot.core.offload import run_cpu, run_for_text
from bot.knowledge.embedding import MAX_BATCH, WINDOW_SECONDS, Embedder, QueryVectors, encode_batch
from bot.knowledge.encoders import Encoder, load_encoders
from bot.knowledge.index import EntryScores, FaqIndex
from bot.knowledge.loader import Problem, faq_files, load_faq
from bot.knowledge.model import FaqEntry
from bot.knowledge.overlay import Overlay, digest, merge, normalise
from bot.knowledge.query import reading_window
from bot.knowledge.retrieval import Decision, Retriever
from bot.knowledge.scoring_process import ChildConfig, Scored, ScoringProcess

log = logging.getLogger(__name__)
REMEMBERED_SCORES = 256


@dataclass(frozen=True, eq=False)  # by identity: a micro-batch's key (one version each)
class Snapshot:
    entries: dict[str, FaqEntry]
    index: FaqIndex
    retriever: Retriever
    content_hash: str


@dataclass(frozen=True)
class ReloadResult:
    changed: bool
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class KnowledgeBase:
    def __init__(
        self,
        faq_dir: Path,
        encoders: Sequence[Encoder] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self.faq_dir = faq_dir
        self.encoders = list(encoders)
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self.problems: tuple[Problem, ...] = ()
        self._overlay: dict[str, dict[str, tuple[str, ...]]] = {}
        result = load_faq(faq_dir)
        self.problems = tuple(result.problems)
        for problem in result.problems:
            # At start-up there is no older index to keep: serve what is valid.
            log.error("faq: %s", problem)
        self._files = (result.entries, result.content_hash)
        self._snapshot = self._build(*self._files)
        self._stamp = self.files_stamp()
        # One encoding per message, shared by every reader of it (the emergency guard, FAQ).
        self.embedder = Embedder(lambda: self.index.live_encoders())
        # Questions scored ahead (`prepare`), until their message asks (`adecide`).
        self._scored: OrderedDict[str, tuple[Snapshot, QueryVectors | None, EntryScores]] = (
            OrderedDict()
        )
        self.scoring: ScoringProcess | None = None  # see start_scoring
        # Without the scoring process: questions encoded and scored together in the CPU pool.
        self._local: MicroBatcher[Snapshot, str, Scored] = MicroBatcher(
            self._score_locally, window=WINDOW_SECONDS, max_batch=MAX_BATCH
        )

    @classmethod
    def from_settings(
        cls, faq_dir: Path, encoder_setting: str, cache_dir: Path | None
    ) -> KnowledgeBase:
        return cls(faq_dir, load_encoders(encoder_setting), cache_dir)

    def _build(self, files: dict[str, FaqEntry], files_hash: str) -> Snapshot:
        """faq/'s entries with the overlay merged in, indexed."""
        entries = merge(files, self._overlay) if self._overlay else files
        content_hash = f"{files_hash}+{digest(self._overlay)}" if self._overlay else files_hash
        index = FaqIndex(list(entries.values()), self.encoders, self.cache_dir)
        log.info(
            "FAQ index: %d entries, %d phrasings, encoders %s, built in %.2f s",
            len(entries),
            len(index.texts),
            "+".join(index.encoder_names) or "none (lexical only)",
            index.build_seconds,
        )
        return Snapshot(entries, index, Retriever(index), content_hash)

    # --- what other areas use ---------------------------------------------------
    def entry(self, faq_id: str) -> FaqEntry | None:
        return self._snapshot.entries.get(faq_id)

    @property
    def entries(self) -> list[FaqEntry]:
        return list(self._snapshot.entries.values())

    @property
    def index(self) -> FaqIndex:
        return self._snapshot.index

    @property
    def content_hash(self) -> str:
        return self._snapshot.content_hash

    def decide(
        self,
        text: str,
        previous: str | None = None,
        query: QueryVectors | None = None,
        found: EntryScores | None = None,
    ) -> Decision:
        """What Linzhu would do with this question (see retrieval.Retriever); synchronous."""
        return self._snapshot.retriever.decide(text, previous, query, found)

    async def embed(self, text: str) -> QueryVectors | None:
        """The message's vectors (shared, micro-batched, off the loop); None without encoders."""
        if not self.index.dense:
            return None
        return await self.embedder.embed(text)

    async def prepare(self, text: str) -> None:
        """Encode and score a question ahead, for `adecide` to find: the dispatcher calls
        this before the message waits for its user and the database. Questions arriving
        together are encoded and scored together: in the scoring process when there is one
        (bot/knowledge/scoring_process.py), else in the CPU pool."""
        snapshot = self._snapshot
        kept = self._scored.get(text)
        if not text.strip() or (kept is not None and kept[0] is snapshot):
            return
        # (its detection is remembered for the locale resolver, which asks next)
        read = await run_for_text(Retriever.reading, text)
        scored = await self._score_in_child(snapshot, read)
        if scored is None:
            scored = await self._local.submit(snapshot, read)
        vectors, found = scored
        query = vectors if read == text and snapshot.index.dense else None
        if query is not None:  # (not a Cyrillic reading's vectors: not the message's)
            self.embedder.remember(query)  # for the emergency guard, which asks next
        self._scored[text] = (snapshot, query, found)
        while len(self._scored) > REMEMBERED_SCORES:
            self._scored.popitem(last=False)

    @property
    def local_batches(self) -> int:
        """Batches scored in this process's CPU pool (for tests and benchmarks)."""
        return self._local.batches

    async def _score_in_child(self, snapshot: Snapshot, read: str) -> Scored | None:
        scoring = self.scoring
        if scoring is None or not scoring.usable() or not snapshot.index.dense:
            return None
        scored = await scoring.score(snapshot.content_hash, self._overlay, read)
        return scored if self._snapshot is snapshot else None

    async def _score_locally(self, snapshot: Snapshot, texts: list[str]) -> list[Scored]:
        return await run_cpu(_score_texts, snapshot, texts)

    def score_batch(self, texts: list[str]) -> list[Scored]:
        """Texts (already read) encoded together and scored: the scoring process's work."""
        return _score_texts(self._snapshot, texts)

    def encode_texts(self, texts: list[str]) -> list[QueryVectors]:
        """Texts' vectors by the live encoders (synchronous: the scoring process's work)."""
        return encode_batch(self.index.live_encoders, texts)

    def wait_for_models(self) -> None:
        """Block until every encoder's model has loaded (or failed to): they load in the
        background, and start-up sometimes needs them in (before forking, before freezing
        the heap, before a scoring process answers)."""
        self.index.live_dense()

    def start_scoring(self, config: ChildConfig) -> None:
        """Encode and score in a process of its own from now on (`serve` calls this)."""
        if self.scoring is None:
            self.scoring = ScoringProcess(config, build_for_scoring)
        self.scoring.start()
        self.embedder.remote = self.scoring  # the emergency guard's vectors too

    def stop_scoring(self) -> None:
        self.embedder.remote = None
        if self.scoring is not None:
            self.scoring.stop()

    async def adecide(self, text: str, previous: str | None = None) -> Decision:
        """`decide` for the event loop: encoding and scoring run in the CPU pool (or ran
        there ahead, in `prepare`: then what is left is a few small array operations)."""
        snapshot = self._snapshot
        # Kept, not taken: the same text may come from several people at once ("hi").
        kept = self._scored.get(text)
        if kept is not None and kept[0] is snapshot:
            return self.decide(text, previous, kept[1], found=kept[2])
        query = await self.embed(reading_window(text))
        return await run_cpu(self.decide, text, previous, query)

    # --- live reload ------------------------------------------------------------
    def files_stamp(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and modification times: cheap to poll every few seconds."""
        stamp = []
        for path in faq_files(self.faq_dir) if self.faq_dir.is_dir() else []:
            try:
                st = path.stat()
            except OSError:
                continue
            stamp.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(stamp)

    def changed_on_disk(self) -> bool:
        return self.files_stamp() != self._stamp

    def reload(self) -> ReloadResult:
        """Re-read faq/; keep the current index unless everything validates."""
        with self._lock:
            stamp = self.files_stamp()
            result = load_faq(self.faq_dir)
            self._stamp = stamp
            if result.problems:
                for problem in result.problems:
                    log.error("faq reload refused: %s", problem)
                log.error(
                    "faq/ has %d problem(s); still serving the previous version",
                    len(result.problems),
                )
                self.problems = tuple(result.problems)
                return ReloadResult(False, self.problems)
            self.problems = ()
            if result.content_hash == self._files[1]:
                return ReloadResult(False, ())
            self._files = (result.entries, result.content_hash)
            self._snapshot = self._build(*self._files)
            log.info("faq reloaded: %d entries", len(result.entries))
            heap.settle_again("faq reload")
            return ReloadResult(True, ())

    # --- the overlay (alternates staff added in the console) --------------------------
    @property
    def overlay(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return self._overlay

    def set_overlay(self, overlay: Overlay) -> bool:
        """Merge these alternates into faq/'s entries and swap in the new index; False when
        nothing changed. Blocking (it builds an index): call it off the event loop."""
        wanted = normalise(overlay)
        with self._lock:
            if wanted == self._overlay:
                return False
            self._overlay = wanted
            self._snapshot = self._build(*self._files)
            log.info("faq overlay applied: %d entries with staff alternates", len(wanted))
            heap.settle_again("faq overlay")
            return True


def _score_texts(snapshot: Snapshot, texts: list[str]) -> list[Scored]:
    """Texts (already read) encoded together, then scored together (CPU work)."""
    windows = [reading_window(text) for text in texts]  # what the encoders read
    queries = encode_batch(snapshot.index.live_encoders, windows)
    return list(zip(queries, snapshot.retriever.score_batch(texts, queries), strict=True))


def build_for_scoring(config: ChildConfig) -> KnowledgeBase:
    """The scoring process's knowledge base, its models loaded before the first batch."""
    knowledge = KnowledgeBase.from_settings(
        config.faq_dir, config.encoder_setting, config.cache_dir
    )
    knowledge.wait_for_models()
    heap.settle("scoring process")
    return knowledge
