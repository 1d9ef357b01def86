"""Live handoff: a resident asks for a person; while staff answer, the bot steps aside."""

from bot.handlers.handoff import staff_group
from bot.handlers.handoff.resident import request_person, router

__all__ = ["request_person", "router", "staff_group"]
