"""Ops service: Event log index, consumer lag, dead letters, replay and the programme dashboard."""
