"""The audits service's use cases: each takes a command and a unit of work, loads what it needs, lets
the domain decide, and saves the new state with the events it owes in one transaction (the outbox);
``event_handlers.EVENT_HANDLERS`` says which use case answers which event, ``queries`` holds the reads."""
