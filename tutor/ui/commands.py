"""Command palette provider: jump to any unit by reference, code or title."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider


class UnitCommands(Provider):
    """Offers "Open unit ..." for every current unit that fuzzily matches the query."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not query.strip():
            return
        if not getattr(app, "services_ready", True):  # the quick start's services are still loading
            ready = asyncio.get_running_loop().create_future()
            app.when_ready(lambda: ready.done() or ready.set_result(None))
            await ready
        catalogue = getattr(app, "catalogue", None)
        if catalogue is None:
            return
        matcher = self.matcher(query)
        units = await self._units(catalogue)
        for key, local_id, title in units:
            label = f"Open unit {key} {local_id} {title}".replace("  ", " ")
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.open_unit, key), help="Show its outcomes and criteria")

    async def _units(self, catalogue) -> list[tuple[str, str, str]]:
        if not hasattr(self, "_cache"):
            self._cache = catalogue.units_matching("", limit=10_000)
        return self._cache
