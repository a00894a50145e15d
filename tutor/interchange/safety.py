"""Reading files that may be hostile: size limits, strict UTF-8, XML without DTDs or entities, safe zips.

Every refusal is an :class:`InterchangeError` whose message is one line for people. Nothing here
writes anything: an import reads and checks the whole file before the database is touched.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path, PurePosixPath

from tutor.interchange.model import InterchangeError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest file read (a bank of thousands of questions is a few megabytes)."""
MAX_ZIP_TOTAL = 100 * 1024 * 1024
"""The most a content package may hold once unpacked (a zip bomb stops here)."""
MAX_ZIP_MEMBERS = 20_000
MAX_QUESTIONS = 50_000
_BOM = b"\xef\xbb\xbf"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def read_input(path: Path) -> bytes:
    """A file's bytes: a regular, non-empty file of at most MAX_FILE_BYTES."""
    try:
        if not path.is_file():
            raise InterchangeError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InterchangeError(f"{path}: {size:,} bytes is too large (at most {MAX_FILE_BYTES:,} are read)")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InterchangeError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InterchangeError(f"{path}: too large (at most {MAX_FILE_BYTES:,} bytes are read)")
    if not data.strip():
        raise InterchangeError(f"{path}: the file is empty")
    return data


def decode_utf8(data: bytes, name: str, what: str) -> str:
    """Text from UTF-8 bytes (a leading byte-order mark dropped; line ends made ``\\n``), else a refusal:
    Moodle refuses a GIFT file that is not UTF-8 rather than guess its encoding, and so does this."""
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InterchangeError(f"{name}: not UTF-8 text (byte {exc.start + 1}): {what} files must use UTF-8; "
                               "save it as UTF-8 and import it again") from None
    if "\x00" in text:
        raise InterchangeError(f"{name}: contains NUL characters: not a {what} text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_xml(data: bytes, name: str):
    """An lxml tree from untrusted bytes: no DTD (so no entity expansion, internal or external), no
    network, no huge trees. A document with a DOCTYPE is refused outright rather than parsed."""
    from lxml import etree

    if _DOCTYPE.search(data):
        raise InterchangeError(f"{name}: has a DOCTYPE or entity declaration, which is refused (XML with a DTD "
                               "can read local files or expand without limit)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InterchangeError(f"{name}: not well-formed XML: {_first_line(str(exc))}") from None
    if root is None:
        raise InterchangeError(f"{name}: not well-formed XML: no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InterchangeError(f"{name}: has a DOCTYPE, which is refused")
    return root


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def safe_member_name(name: str) -> str | None:
    """Why a zip member's name is refused (absolute, ``..``, a drive, a backslash), or None."""
    if not name or "\x00" in name:
        return "an empty name"
    if "\\" in name:
        return f"a backslash in {name!r}"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"an absolute path {name!r}"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return f"a path that leaves the package {name!r}"
    return None


def read_zip(data: bytes, name: str) -> dict[str, bytes]:
    """Every file of a zip, checked before any is read: names inside the package, no links, no encryption,
    a bounded count and unpacked size (the declared sizes, and the bytes actually read)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InterchangeError(f"{name}: not a zip file: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise InterchangeError(f"{name}: {len(infos)} files in the package (at most {MAX_ZIP_MEMBERS:,})")
        total = 0
        seen: set[str] = set()
        for info in infos:
            problem = safe_member_name(info.filename)
            if problem:
                raise InterchangeError(f"{name}: refused: the package has {problem}")
            if info.flag_bits & 0x1:
                raise InterchangeError(f"{name}: refused: {info.filename} is encrypted")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise InterchangeError(f"{name}: refused: {info.filename} is a symbolic link")
            if info.filename in seen:
                raise InterchangeError(f"{name}: refused: {info.filename} appears twice in the package")
            seen.add(info.filename)
            total += info.file_size
            if total > MAX_ZIP_TOTAL:
                raise InterchangeError(f"{name}: refused: the package unpacks to more than {MAX_ZIP_TOTAL:,} bytes")
        files: dict[str, bytes] = {}
        read = 0
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(min(info.file_size, MAX_FILE_BYTES) + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
                raise InterchangeError(f"{name}: cannot read {info.filename}: {exc}") from None
            if len(content) > info.file_size or len(content) > MAX_FILE_BYTES:
                raise InterchangeError(f"{name}: refused: {info.filename} is larger than the package declares")
            read += len(content)
            if read > MAX_ZIP_TOTAL:
                raise InterchangeError(f"{name}: refused: the package unpacks to more than {MAX_ZIP_TOTAL:,} bytes")
            files[info.filename] = content
        return files
