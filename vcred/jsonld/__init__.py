"""Offline JSON-LD: bundled contexts, a loader that refuses everything else, and canonicalization."""

from vcred.jsonld.loader import BundledLoader, DocumentLoader, default_loader

__all__ = ["BundledLoader", "DocumentLoader", "default_loader"]
