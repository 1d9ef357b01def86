"""Live handoff: a resident's conversation with a person, its transcript, staffed hours."""
