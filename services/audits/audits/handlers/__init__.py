"""Use cases of the audits service: each loads what it needs, lets the domain decide, and saves the
new state with the events it owes in one transaction (the transactional outbox)."""
