"""Snapshot tests at a fixed terminal size with a fake clock. Look at the SVGs when they change."""

from __future__ import annotations

from tests.conftest import make_app

SIZE = (110, 36)


def test_home_screen(snap_compare, catalogue_url):
    """The seven qualifications with their numbers, levels, titles and counts; the first row highlighted."""
    assert snap_compare(make_app(catalogue_url), terminal_size=SIZE)


def test_unit_screen(snap_compare, catalogue_url):
    """Unit 2794-204: two knowledge outcomes (green bar) then competence outcomes (amber bar), criteria indented."""

    async def open_unit(pilot):
        await pilot.app.open_unit("2794-204")

    assert snap_compare(make_app(catalogue_url), terminal_size=SIZE, run_before=open_unit)
