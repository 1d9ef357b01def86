"""The emergency guard and its reply (see guard.py, reply.py, address.py)."""

from bot.core.router import Router
from bot.handlers.emergency import address, guard
from bot.handlers.emergency.guard import record
from bot.handlers.emergency.reply import emergency_reply

router = Router("emergency-all")
router.include(guard.router, address.router)

__all__ = ["emergency_reply", "record", "router"]
