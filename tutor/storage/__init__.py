"""Storage: every table in one module (:mod:`tutor.storage.tables`), engines built from a URL."""
