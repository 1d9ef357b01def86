"""Questions: what Linzhu could not answer, with the closest topic it considered, and 👍/👎.

One click adds a question as an alternate phrasing of a topic: kept in the database (the FAQ
overlay), applied to retrieval at once, and exported for review with
`linzhu faq export-overlay`. Or it is marked not covered, or dismissed.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.core.types import utcnow
from bot.i18n.locales import LOCALES
from bot.knowledge.overlay_sync import apply_overlay
from bot.store.staff.overlay import ALTERNATE, DISMISSED, NOT_COVERED, FaqOverlayStore
from bot.store.tables import UnansweredQuestion
from bot.web.staff.core import DESK_UP, Staff, page
from bot.web.staff.views.common import int_or_none


def _overlay(staff: Staff) -> FaqOverlayStore:
    return FaqOverlayStore(staff.services.db)


@page("GET", "/staff/questions", DESK_UP)
async def questions(request: web.Request, staff: Staff) -> web.StreamResponse:
    show_all = request.query.get("all") == "1"
    days = int_or_none(request.query.get("days")) or 30
    store = staff.services.questions
    since = utcnow() - timedelta(days=days)
    rows = await store.unanswered(200, since=since, include_resolved=show_all)
    knowledge = staff.services.knowledge
    entries = sorted(knowledge.entries, key=lambda e: (e.kind, e.id)) if knowledge else []
    return staff.render(
        "questions.html",
        here="/staff/questions",
        rows=rows,
        show_all=show_all,
        days=days,
        entries=entries,
        feedback=await store.feedback_summary(since=since),
        overlay=await _overlay(staff).rows(),
        question_of=lambda faq_id: _question(staff, faq_id),
    )


def _question(staff: Staff, faq_id: str) -> str:
    knowledge = staff.services.knowledge
    entry = knowledge.entry(faq_id) if knowledge else None
    if entry is None:
        return faq_id
    locale = "zh_Hans" if staff.account.ui_locale == "zh_Hans" else "en"
    return entry.question(locale)


@page("POST", "/staff/questions/{id:\\d+}", DESK_UP)
async def handle(request: web.Request, staff: Staff) -> web.StreamResponse:
    question_id = int(request.match_info["id"])
    form = await staff.form()
    action = form.get("action")
    store = _overlay(staff)
    question = await staff.services.questions.get(question_id)
    if question is None:
        raise web.HTTPNotFound()
    if action == "alternate":
        faq_id = form.get("topic", "")
        knowledge = staff.services.knowledge
        if knowledge is None or knowledge.entry(faq_id) is None:
            staff.back("/staff/questions", "topic_unknown", error=True)
        locale = question.locale if question.locale in LOCALES else "en"
        async with staff.audited(
            "faq.alternate",
            faq_id,
            after={"locale": locale, "text": question.text, "question": question_id},
        ) as audit:
            current = await staff.services.db.lock_row(UnansweredQuestion, question_id)
            # (copied now: the same session's update below may refresh the object)
            handled_as = (current.resolution, current.resolved_topic) if current else None
            added = await store.add(
                faq_id,
                locale,
                question.text,
                added_by=staff.account.username,
                question_id=question_id,
            )
            if not added:
                # The entry had this phrasing already: no alternate to record, but the
                # question is now handled by it, which is a change when it was not so before
                # (a double submit changes nothing and writes no row).
                audit.action, audit.target = "question.alternate", f"question:{question_id}"
                audit.after = {"topic": faq_id, "text": question.text}
                audit.changed = handled_as is not None and handled_as != (ALTERNATE, faq_id)
        # Live for retrieval in this worker now, once committed (the index is rebuilt off
        # the loop: not while holding the transaction).
        await apply_overlay(knowledge, store)
        staff.back("/staff/questions", "alternate_added")
    if action in (NOT_COVERED, DISMISSED):
        async with staff.audited(
            f"question.{action}", f"question:{question_id}", after={"text": question.text}
        ):
            await store.resolve(question_id, action)
        staff.back("/staff/questions", "question_" + action)
    staff.back("/staff/questions", "bad_request", error=True)


@page("POST", "/staff/faq-overlay/{id:\\d+}/remove", DESK_UP)
async def remove(request: web.Request, staff: Staff) -> web.StreamResponse:
    store = _overlay(staff)
    async with staff.audited("faq.alternate_removed") as audit:
        row = await store.remove(int(request.match_info["id"]))
        if row is None:
            raise web.HTTPNotFound()
        audit.target, audit.before = row.faq_id, {"locale": row.locale, "text": row.text}
    if staff.services.knowledge is not None:
        await apply_overlay(staff.services.knowledge, store)
    staff.back("/staff/questions", "alternate_removed")
