"""Logs, metrics and trace context, the same way in every service."""
