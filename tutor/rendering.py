"""Rendering text for people from the jinja2 templates in ``templates/``."""

from __future__ import annotations

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
