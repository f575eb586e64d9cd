"""Use cases of the scheduling service: each takes an event or a command and a unit of work."""
