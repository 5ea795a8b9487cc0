"""The gate names a person's grants and custody by item id up to a limit, and by EXISTS beyond
it: both forms must give the same visible set."""

from __future__ import annotations

import datetime as dt

from bmnn.registry import selectors
from bmnn.registry.models import Copy
from bmnn.registry.services import access

from .conftest import ACTOR, ON


def test_id_list_and_exists_forms_agree(sx, issued, monkeypatch):
    granted, held, hidden = issued("mat"), issued("mat"), issued("mat")
    access.grant(ACTOR, granted, sx.cadre, granted_by=sx.officer, purpose="Thẩm định", on=ON)
    Copy.objects.filter(item=held, number=1).update(custodian=sx.cadre)
    expired = issued("mat")
    access.grant(ACTOR, expired, sx.cadre, granted_by=sx.officer, purpose="Cũ", valid_to=ON, on=ON)
    later = ON + dt.timedelta(days=1)
    by_ids = set(selectors.visible_items(sx.cadre, later).values_list("pk", flat=True))
    monkeypatch.setattr(selectors, "_ID_LIST_LIMIT", 0)
    by_exists = set(selectors.visible_items(sx.cadre, later).values_list("pk", flat=True))
    assert by_ids == by_exists == {granted.pk, held.pk}
    assert hidden.pk not in by_ids and expired.pk not in by_ids
