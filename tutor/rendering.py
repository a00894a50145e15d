"""Rendering text for people from the jinja2 templates in ``templates/``.

Screens, commands and services are given a :class:`TextRenderer`. Error messages raised deep inside a
layer (the importer's ``SpecError``, storage's ``StorageError``) have no renderer to hand: they take
their one line from :func:`bundled_text`, over the bundled templates. Pure: jinja2 only, so every layer
may use it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tutor.paths import templates_dir


class TextRenderer:
    """Renders ``templates/<name>`` with strict undefined variables (a typo fails loudly)."""

    def __init__(self, templates: Path, filters: dict[str, Callable[..., Any]] | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates)),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(filters or {})

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)


@cache
def _bundled() -> TextRenderer:
    return TextRenderer(templates_dir(), filters={"repr": repr})


def bundled_text(name: str, /, **context: Any) -> str:
    """One message from the bundled ``templates/<name>``, without its closing newline; ``|repr`` quotes a
    value as Python's ``repr`` does (what the document said, shown exactly)."""
    return _bundled().env.get_template(name).render(**context).rstrip("\n")
