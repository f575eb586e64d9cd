"""Scheduling service: the working-day calendar, the timescale rules and every deadline."""
