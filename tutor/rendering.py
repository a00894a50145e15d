"""Rendering text for people from the jinja2 templates in ``templates/``.

Screens, commands and services are given a :class:`TextRenderer`. Error messages raised deep inside a
layer have no renderer to hand: they take their one line from :func:`bundled_text`, over the bundled
templates, and a service's refusal from :func:`message` (``templates/errors/<name>.j2``). Pure: jinja2
only, so every layer may use it.

jinja2 is imported at the first template that uses it: until then a template with no Jinja syntax at all
(``{{``, ``{%``, ``{#``) is its own text, which is what jinja2 would render from it with these settings, so
the app's first screen (whose title is such a template) does not wait for jinja2 to load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

_JINJA = ("{{", "{%", "{#")


class TextRenderer:
    """Renders ``templates/<name>`` with strict undefined variables (a typo fails loudly)."""

    def __init__(self, templates: Path, filters: dict[str, Callable[..., Any]] | None = None) -> None:
        self.templates = Path(templates)
        self._filters = dict(filters or {})

    @cached_property
    def env(self) -> Environment:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        env = Environment(
            loader=FileSystemLoader(str(self.templates)),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters.update(self._filters)
        return env

    def render(self, name: str, /, **context: Any) -> str:
        if "env" not in self.__dict__ and (text := self.plain_text(name)) is not None:
            return text
        return self.env.get_template(name).render(**context)

    def plain_text(self, name: str) -> str | None:
        """The template's text if it has no Jinja syntax, else None. (Its line ends read as newlines, as jinja2
        reads them.)"""
        if ".." in name.split("/"):
            return None
        try:
            text = (self.templates / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None  # jinja2 says what is wrong
        if any(mark in text for mark in _JINJA):
            return None
        return text


@cache
def _bundled() -> TextRenderer:
    from tutor.paths import templates_dir  # read at the first message, not at import

    return TextRenderer(templates_dir(), filters={"repr": repr})


def bundled_text(name: str, /, **context: Any) -> str:
    """One message from the bundled ``templates/<name>``, without its closing newline; ``|repr`` quotes a
    value as Python's ``repr`` does (what the document said, shown exactly)."""
    return _bundled().render(name, **context).rstrip("\n")


def message(name: str, /, **fields: Any) -> str:
    """The one line ``templates/errors/<name>.j2`` says: what a service's error tells people. A field reads
    as ``str()`` gives it; ``{{ field | repr }}`` quotes it as ``repr()`` does (a name as it was typed)."""
    return bundled_text(f"errors/{name}.j2", **fields)
