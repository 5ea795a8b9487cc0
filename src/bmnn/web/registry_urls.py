"""URLs of the registry pages (Vietnamese paths)."""

from __future__ import annotations

urlpatterns: list = []
