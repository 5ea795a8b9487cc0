"""The demo registry: items at each level, registered through the services, seeded once."""

from __future__ import annotations

from bmnn.people.demo import seed_demo
from bmnn.registry.demo import seed_registry_demo
from bmnn.registry.models import Register, SecretItem
from bmnn.web import ledger


def test_demo_registry_has_each_level_registered_once(db):
    seed_demo()
    assert seed_registry_demo() == 3
    items = SecretItem.objects.all()
    assert sorted(i.level for i in items) == ["mat", "toi_mat", "tuyet_mat"]
    assert all(i.status == SecretItem.Status.ACTIVE and i.entries.count() == 1 for i in items)
    assert items.get(level="tuyet_mat").summary == ""
    book = Register.objects.get(kind=Register.Kind.OUTGOING)
    assert book.last_number == 3
    assert seed_registry_demo() == 0  # a second run changes nothing
    assert SecretItem.objects.count() == 3
    assert ledger.verify().ok
