"""Shared fixtures for every test tier (real Postgres, real broker): see cch_devstack.testing."""

pytest_plugins = ["cch_devstack.testing"]
