"""Safe output: spreadsheet cells that cannot run formulas, output paths that stay where they are
meant to, and files that are either written whole or not at all.

* :func:`safe_cell` defends CSV cells against formula injection (OWASP ASVS 5.3.x, "CSV
  injection"): a cell whose first character is ``=``, ``+``, ``-``, ``@``, TAB, CR or NUL is
  prefixed with ``'`` so a spreadsheet shows it as text instead of evaluating it.
* :func:`check_output_path` refuses a path that would overwrite something by accident, follow a
  symbolic link, or (given ``base``) land outside a chosen directory.
* :func:`write_atomically` writes a temporary file beside the target, syncs it and renames it
  into place, so a reader never sees half a file and a full disk leaves nothing behind.

Every refusal is an :class:`ExportError` with a one-line message for people.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet treat a cell as a formula (or hide what follows)."""


class ExportError(Exception):
    """An export could not be written; the message is one line, for people."""


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text that no spreadsheet will evaluate: None is empty, anything
    else is ``str()``-ed, and text starting with a formula trigger gets a leading ``'``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def _shown(path: object) -> str:
    """A path for a one-line message: as typed, unless it holds characters that would break the line."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def check_output_path(path: Path, *, base: Path | None = None, overwrite: bool = False) -> Path:
    """The resolved path an export may be written to, or :class:`ExportError` saying why not.

    Refused: a name with a NUL character; a symbolic link at the path (even one pointing to a
    file); an existing directory; a missing parent directory; an existing file unless
    ``overwrite``; an existing thing that is not a regular file. Given ``base``, a relative
    ``path`` is taken relative to ``base``, any ``..`` component is refused, and the resolved
    path must lie inside ``base`` (compared component by component, so ``/base/dirX`` is not
    inside ``/base/dir``; symbolic links in the parent directories are resolved first).
    """
    shown = _shown(path)
    if "\0" in str(path):
        raise ExportError(f"cannot write {shown}: the name contains a NUL character")
    path = Path(path)
    if base is not None:
        if ".." in path.parts:
            raise ExportError(f"cannot write {shown}: '..' is not allowed in an output name")
        target = path if path.is_absolute() else Path(base) / path
    else:
        target = path
    target = Path(os.path.abspath(target))  # lexical only: symbolic links are looked at below
    if target.is_symlink():
        raise ExportError(f"cannot write {shown}: it is a symbolic link")
    if target.is_dir():
        raise ExportError(f"cannot write {shown}: it is a directory")
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {shown}: the directory {_shown(target.parent)} does not exist")
    try:
        resolved = target.parent.resolve(strict=True) / target.name
    except (OSError, RuntimeError) as exc:  # a symbolic-link loop, a vanished directory
        raise ExportError(f"cannot write {shown}: {getattr(exc, 'strerror', None) or exc}") from exc
    if base is not None:
        root = Path(base).resolve()
        if not resolved.is_relative_to(root):
            raise ExportError(f"cannot write {shown}: it is outside {_shown(root)}")
    if resolved.exists() or resolved.is_symlink():
        if resolved.is_symlink():
            raise ExportError(f"cannot write {shown}: it is a symbolic link")
        if not resolved.is_file():
            raise ExportError(f"cannot write {shown}: it is not a regular file")
        if not overwrite:
            raise ExportError(f"cannot write {shown}: the file exists (use --force to replace it)")
    return resolved


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; Windows cannot open a directory)."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, newlines as given; bytes as they are) to ``path`` whole or not at all.

    The text goes to a hidden temporary file in the same directory (created exclusively, mode
    0600), which is flushed, synced and renamed over ``path``; then the directory is synced.
    On failure the temporary file is removed and :class:`ExportError` names the path and the
    reason, e.g. ``cannot write out.csv: No space left on device``; ``path`` is left as it was.
    A symbolic link at ``path`` is replaced, never followed.
    """
    path = Path(path)
    directory = path.parent
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            handle = (os.fdopen(fd, "wb") if isinstance(data, bytes)
                      else os.fdopen(fd, "w", encoding="utf-8", newline=""))
        except BaseException:
            os.close(fd)
            raise
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        temporary = None
        _fsync_directory(directory)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ExportError(f"cannot write {_shown(path)}: {' '.join(reason.split())}") from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
