"""Pure care plan rules (plain Python, no I/O): vocabulary, drafting from the pathway, patches."""
