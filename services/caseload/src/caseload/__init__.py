"""Caseload service: Case managers, capacity, assignment, review schedule, MDT reviews, transfer and discharge."""
