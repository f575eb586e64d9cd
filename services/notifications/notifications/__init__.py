"""The notifications service: every outbound message the framework names, delivered exactly once."""
