"""The dispatcher as a `linzhu serve` component: started and stopped with the server."""

from __future__ import annotations

import asyncio

from bot.app import build_dispatcher
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.reminders.component import ReminderComponent, reminder_component
from bot.runtime import component_factories
from tests.consultations.helpers import future, make_slots
from tests.harness import Conversation
from tests.reminders.test_reminders import make_reminders_due


async def test_serve_runs_the_dispatcher(dispatcher: Dispatcher) -> None:
    assert reminder_component in component_factories()
    services = dispatcher.services
    (slot,) = await make_slots(services.db, [future(30)])
    chat = Conversation(dispatcher)
    await chat.tap(f"book:time:{slot.id}")
    await chat.tap("book:skipnote")
    confirm = next(b for r in chat.last.replies for b in r.buttons if "confirm" in b.payload)  # type: ignore[union-attr]
    await chat.tap(confirm.payload)
    await make_reminders_due(services.db, "booking:")
    component = reminder_component(dispatcher)
    assert isinstance(component, ReminderComponent)
    await component.start()
    try:
        for _ in range(100):
            if len(await services.inbox.all_for("tester")) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await component.stop()
    assert len(await services.inbox.all_for("tester")) == 2


async def test_component_off_when_disabled(settings: Settings, dispatcher: Dispatcher) -> None:
    off = settings.model_copy(update={"reminders_in_serve": False})
    assert reminder_component(build_dispatcher(off, db=dispatcher.services.db)) is None
