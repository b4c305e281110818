"""Dispatch service."""
