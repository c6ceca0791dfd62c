"""Helpers for tests and benchmarks of jupyter-prov (importable by plugins' tests too)."""
