"""Seeded script generators for the conformance areas: same seed, same script."""
