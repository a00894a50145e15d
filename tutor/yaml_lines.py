"""YAML loading that remembers where each mapping starts, so a problem in a data file
(an erratum, an item, a sheet entry) can name its line. Uses libyaml when present."""

from __future__ import annotations

from typing import Any

import yaml

LINE_KEY = "__line__"


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml is about ten times faster
    """A safe loader whose mappings carry their 1-based line under ``__line__``."""


def _mapping_with_line(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_with_lines(text: str) -> Any:
    return yaml.load(text, Loader=LineLoader)
