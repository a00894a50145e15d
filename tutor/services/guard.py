"""Permission-checked views of the services that predate accounts.

``Guarded(service, actor, PERMISSIONS_OF[...], engine, now)`` offers exactly the methods named in
its table, each after the actor's permission is checked (and a denial logged); any other
method is not offered at all. The candidate's own test client is the exception: the start
code, given by the invigilator at the desk, is its authority, as in the Surpass keycode model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from tutor.domain.access import Actor, PermissionDenied
from tutor.services.accounts import gate

CATALOGUE_PERMISSIONS = {
    "qualifications": "catalogue.read",
    "qualification": "catalogue.read",
    "unit": "catalogue.read",
    "units_matching": "catalogue.read",
    "table_counts": "catalogue.read",
    "import_reading": "catalogue.import",
}

SITTING_PERMISSIONS = {
    "test_definition": "sitting.invigilate",
    "centre_test": "sitting.invigilate",
    "create_sitting": "sitting.invigilate",
    "register_candidate": "sitting.invigilate",
    "status": "sitting.invigilate",
    "events": "sitting.invigilate",
    "attempt_id": "sitting.invigilate",
    "test_total": "sitting.invigilate",
    "pause": "sitting.invigilate",
    "pause_all": "sitting.invigilate",
    "resume": "sitting.invigilate",
    "resume_all": "sitting.invigilate",
    "add_time": "sitting.invigilate",
    "void": "sitting.invigilate",
    "release_results": "sitting.release",
    "results": "sitting.results",
    "rescore": "sitting.results",
}

PRACTICE_PERMISSIONS = {
    "record": "practice.own",
    "due": "practice.own",
    "practised": "practice.own",
    "last_unit": "practice.own",
    "exchanges": "practice.own",
}


class Guarded:
    """A service seen through the permission gate of one actor."""

    def __init__(self, service: Any, actor: Actor, permissions: dict[str, str], engine: Engine,
                 now: Callable[[], datetime], own_work: bool = False) -> None:
        """``own_work``: every method's first argument is a learner, who must be the actor."""
        self._service = service
        self._own_work = own_work
        self._actor = actor
        self._permissions = permissions
        self._engine = engine
        self._now = now

    @property
    def actor(self) -> Actor:
        return self._actor

    def __getattr__(self, name: str):
        permission = self._permissions.get(name)
        if permission is None:
            raise AttributeError(f"{name} is not offered through the permission gate")
        method = getattr(self._service, name)

        def checked(*args, **kwargs):
            gate(self._engine, self._now, self._actor, permission)
            if self._own_work and (args[0] if args else kwargs.get("learner")) != self._actor.username:
                raise PermissionDenied(f"{self._actor.label} may only work as themselves")
            return method(*args, **kwargs)

        return checked
