"""The specification importer: bytes of a document in, a :class:`~tutor.domain.catalogue.SpecReading` out.

Pure: it imports neither textual nor sqlmodel (a test enforces this), so it can be used
by the CLI, the app and the benchmarks alike.
"""

from tutor.importer.errors import SpecError
from tutor.importer.reader import parse_bytes, parse_path

__all__ = ["SpecError", "parse_bytes", "parse_path"]
