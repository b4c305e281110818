"""Dispatch service: Rapid response within two hours: SLA clock, roster, assignment, warnings, board, compliance."""
