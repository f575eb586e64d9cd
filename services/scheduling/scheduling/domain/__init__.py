"""Pure domain of the scheduling service: no I/O (the rules loader only reads its rules file)."""
