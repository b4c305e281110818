"""Care plans service."""
