"""Rendering text for people from the jinja2 templates in ``templates/``: a :class:`TextRenderer` over a
folder of them, and :func:`message`, the one-line text of an error a service raises
(``templates/errors/``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


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


@functools.cache
def _messages() -> TextRenderer:
    from tutor.paths import templates_dir

    return TextRenderer(templates_dir(), filters={"repr": repr})


def message(name: str, /, **fields: Any) -> str:
    """The one line ``templates/errors/<name>.j2`` says, without its final newline: what a service's error
    tells people. A field reads as ``str()`` gives it; ``{{ field | repr }}`` quotes it as ``repr()`` does
    (a name as it was typed). The templates are read at the first message, not at import."""
    return _messages().render(f"errors/{name}.j2", **fields).removesuffix("\n")
