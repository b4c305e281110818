"""Stratification service."""
