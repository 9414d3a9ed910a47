"""Benchmarks that print measured figures: python -m bench.<name>."""
