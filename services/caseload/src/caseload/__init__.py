"""Caseload service."""
