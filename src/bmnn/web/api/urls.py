"""URLs of the JSON API under /api/v1/, made from the route table: one view per path, which
answers the methods declared for it (bmnn.web.api.dispatch)."""

from __future__ import annotations

from django.urls import path

# Imported for their @route declarations, which fill the table.
from bmnn.web.api import custody, lifecycle, movements, reads, views  # noqa: F401
from bmnn.web.api.dispatch import path_view
from bmnn.web.api.schema import ROUTES


def _patterns() -> list:
    by_path: dict[str, list] = {}
    for r in ROUTES:
        by_path.setdefault(r.path, []).append(r)
    return [
        path(routes[0].django_path(), path_view(routes), name=f"api_{routes[0].name}")
        for routes in by_path.values()
    ]


app_name = "api"
urlpatterns = _patterns()
