"""Thin platform adapters around the one ASGI app; each builds it from the environment."""
