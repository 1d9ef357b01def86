"""Consultations: booking (the flow), mine (list and cancel), reschedule."""
