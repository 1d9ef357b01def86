"""The console's pages, one module per area; importing a module registers its pages."""


def load_views() -> None:
    from bot.web.staff.views import (  # noqa: F401
        accounts,
        auth,
        bookings,
        conversations,
        dashboard,
        events,
        questions,
        residents,
        schedule,
        today,
    )
