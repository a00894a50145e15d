"""What the review screens share: rendering their templates (``templates/ui/review/*.j2``) through
the host app's ``render_text``, theme colours as Rich styles, and the errors a service call may
raise (each is shown to the person as a notification, never as a traceback)."""

from __future__ import annotations

from rich.style import Style
from textual.color import Color as TextualColor
from textual.color import ColorParseError

from tutor.domain.access import PermissionDenied
from tutor.services.review import ReviewError
from tutor.storage.engine import StorageError

SERVICE_ERRORS = (ReviewError, PermissionDenied, StorageError)


class _Texts:
    """Rendering the review templates through the host app's ``render_text``."""

    def text(self, template: str, **context) -> str:
        return self.app.render_text(f"ui/review/{template}", **context).strip()

    def label(self, label: str) -> str:
        return self.text("label.j2", label=label)

    def _style(self, variable: str | None, **extra) -> Style:
        """A Rich style in a theme colour (the cells of a DataTable are Rich text); dim if none."""
        try:
            colour = TextualColor.parse(self.app.get_css_variables()[variable]).rich_color
        except (KeyError, ColorParseError):
            return Style(dim=True, **extra)
        return Style(color=colour, **extra)
