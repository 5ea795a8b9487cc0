"""The need-to-know matrix: every role against every read surface of the registry.

A small world is built once per test: items at each level kept by different units of one Sở
(and one item of another Sở), an explicit grant, an expired and a revoked grant, copies handed
over and delivered (custody), a Tuyệt mật item whose summary someone tried to register, and a
person whose clearance was withdrawn while holding a copy.

What each role may see is worked out here, item by item, from the rules in the docstring of
bmnn.registry.selectors (clearance bound always; need to know by grant, custody, drafting,
classifying, register duty, or leading the keeping unit) and checked against a literal table.
Then every surface — selectors, search, due lists, web pages (lists, detail, register books as
printed, search, dashboard) and the JSON API — must answer exactly that set, or a part of it
where the surface is narrower, and never an item outside it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bmnn.people import services as people
from bmnn.people.models import OrgUnit, Staff
from bmnn.registry import deadlines, selectors
from bmnn.registry.models import Copy, Grant, RecallTask, Register, RegisterEntry, SecretItem
from bmnn.registry.search import search_items
from bmnn.registry.services import access, classification, delivery, outgoing, recall
from bmnn.web.errors import Refused
from tests.registry.conftest import ACTOR, ON, PASSWORD, START, _fast_passwords, _staff, sx  # noqa: F401

pytestmark = pytest.mark.django_db

API = "/api/v1"
TM_SECRET = "Phương án tác chiến tuyệt mật số chín"
TM_WORDS = "tác chiến"
COMMON_SUMMARY_WORDS = "đối chiếu"  # in every summary (there is none for Tuyệt mật)
COMMON_TYPE = "Kế hoạch"  # the type of every item, Tuyệt mật included
RANK = {"": 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}

# ------------------------------------------------------------------------ the facts of the world
# Written down independently of the database: what the world below was built to be.


@dataclass(frozen=True)
class Fact:
    level: str
    owner: str  # unit key: agency, office, division, other_division, foreign
    drafter: str
    classifier: str
    grants: frozenset[str] = frozenset()  # live grants (explicit or as recipient)
    custody: frozenset[str] = frozenset()  # holders of a held/out copy, besides the clerk


def _f(level, owner, drafter="director", grants=(), custody=(), classifier=None) -> Fact:
    return Fact(
        level,
        owner,
        drafter,
        classifier or ("foreign_director" if owner == "foreign" else "director"),
        frozenset(grants),
        frozenset(custody),
    )


FACTS: dict[str, Fact] = {
    # kept by the head's division, drafted by the director
    "a": _f("mat", "division"),
    # drafted by the drafter for another division
    "b": _f("toi_mat", "other_division", drafter="drafter"),
    # drafted by the drafter in his own division
    "bd": _f("toi_mat", "division", drafter="drafter"),
    # the cadre's own division; his grants on it expired or were revoked; its copy is with a
    # person whose clearance was then withdrawn
    "c": _f("mat", "other_division", custody={"nocl"}),
    # handed over (internal) to the head, outside his division
    "d": _f("toi_mat", "other_division", custody={"head"}),
    # explicit grant to the cadre
    "e": _f("mat", "office", grants={"cadre"}),
    # delivered to the cadre: custody and a recipient grant
    "f": _f("mat", "office", grants={"cadre"}, custody={"cadre"}),
    # handed over to the cadre: custody only
    "g": _f("mat", "other_division", custody={"cadre"}),
    # Tuyệt mật kept by the agency, with a summary attempt
    "tm": _f("tuyet_mat", "agency"),
    # Tuyệt mật kept by the head's division: above his clearance
    "tm_div": _f("tuyet_mat", "division"),
    # another Sở's item
    "x": _f("mat", "foreign", drafter="foreign_director"),
}

SX_UNITS = frozenset({"agency", "office", "division", "other_division"})
ROLES = (
    "director",
    "deputy",
    "head",
    "clerk",
    "officer",
    "inspector",
    "drafter",
    "cadre",
    "nocl",
    "admin",
    "foreign_clerk",
)
CLEARANCE = {
    "director": "tuyet_mat",
    "deputy": "toi_mat",
    "head": "toi_mat",
    "clerk": "tuyet_mat",
    "officer": "tuyet_mat",
    "inspector": "tuyet_mat",
    "drafter": "toi_mat",
    "cadre": "mat",
    "nocl": "",  # withdrawn after the copy of c was handed to them
    "admin": "",  # no Staff at all
    "foreign_clerk": "tuyet_mat",
}
REGISTER_DUTY = {"clerk": SX_UNITS, "officer": SX_UNITS, "inspector": SX_UNITS}
REGISTER_DUTY["foreign_clerk"] = frozenset({"foreign"})
LEADS = {"director": SX_UNITS, "deputy": SX_UNITS, "head": frozenset({"division"})}


def expected_for(role: str) -> set[str]:
    """The items `role` may see, from the rules of selectors.visible_items, item by item."""
    seen = set()
    for name, fact in FACTS.items():
        if RANK[fact.level] > RANK[CLEARANCE[role]] or not CLEARANCE[role]:
            continue  # the clearance bound is absolute
        need = (
            role in fact.grants
            or role in fact.custody
            or role == fact.drafter
            or role == fact.classifier
            or fact.owner in REGISTER_DUTY.get(role, ())
            or fact.owner in LEADS.get(role, ())
        )
        if need:
            seen.add(name)
    return seen


SX_ALL = {"a", "b", "bd", "c", "d", "e", "f", "g", "tm", "tm_div"}
EXPECTED = {
    "director": SX_ALL,
    "deputy": SX_ALL - {"tm", "tm_div"},
    "head": {"a", "bd", "d"},
    "clerk": SX_ALL,
    "officer": SX_ALL,
    "inspector": SX_ALL,
    "drafter": {"b", "bd"},
    "cadre": {"e", "f", "g"},
    "nocl": set(),
    "admin": set(),
    "foreign_clerk": {"x"},
}


def test_the_rules_give_the_literal_table():
    # Two independent statements of the same expectation must agree before anything is checked.
    assert {role: expected_for(role) for role in ROLES} == EXPECTED


# ------------------------------------------------------------------------------ building it


@dataclass
class World:
    sx: object
    items: dict[str, SecretItem]
    people: dict[str, Staff | None]
    users: dict[str, object]
    foreign_agency: OrgUnit
    by_pk: dict[int, str] = field(default_factory=dict)

    def names(self, rows) -> set[str]:
        return {self.by_pk[row.pk] for row in rows}

    def names_of_ids(self, ids) -> set[str]:
        return {self.by_pk[i] for i in ids}


def _number(name: str) -> str:
    return f"{700 + sorted(FACTS).index(name)}/KH-MTR"


def _summary(name: str) -> str:
    return f"Kế hoạch đối chiếu quyền biết mục {name} năm 2026"


def _make(name, catalogue, drafter, decider, clerk, unit, on=ON) -> SecretItem:
    level = FACTS[name].level
    proposal = classification.propose(
        ACTOR,
        drafter,
        title=_summary(name) if level != "tuyet_mat" else TM_SECRET,
        level=level,
        catalogue_item=catalogue[level],
        recipients_text="Phòng A; Phòng B; Lưu VT",
        copies=2,
        copy_allowed=False,
        lead_unit=unit,
        on=on,
    )
    proposal = classification.decide(ACTOR, proposal, decider, approve=True, on=on)
    item = proposal.item
    if level == "tuyet_mat":
        # The summary attempt: the law refuses it and nothing is stored.
        with pytest.raises(Refused):
            outgoing.register_outgoing(
                ACTOR,
                item,
                clerk,
                number_symbol=_number(name),
                doc_type=COMMON_TYPE,
                signer="Giám Đốc",
                summary=TM_SECRET,
                on=on,
            )
    entry = outgoing.register_outgoing(
        ACTOR,
        item,
        clerk,
        number_symbol=_number(name),
        doc_type=COMMON_TYPE,
        signer="Giám Đốc",
        on=on,
    )
    return entry.item


def _held(item: SecretItem, staff: Staff) -> list[Copy]:
    return list(
        Copy.objects.filter(item=item, custodian=staff, state=Copy.State.HELD).order_by("number")
    )


@pytest.fixture
def world(sx) -> World:  # noqa: F811
    # Another Sở, with its own head, clerk and an item of its own.
    foreign = people.create_org_unit(
        ACTOR, name="Sở Láng giềng", short_code=f"SLG{sx.agency.pk}", kind=OrgUnit.Kind.AGENCY
    )
    foreign_director = _staff(
        foreign, "giam_doc_so", Staff.Role.LEADER, "tuyet_mat", "Giám Đốc Khác"
    )
    foreign_clerk = _staff(foreign, "can_bo", Staff.Role.CLERK, "tuyet_mat", "Văn Thư Khác")
    nocl = _staff(sx.other_division, "can_bo", Staff.Role.STAFF, "mat", "Cán Bộ Thôi Tiếp Cận")
    units = {
        "agency": sx.agency,
        "office": sx.office,
        "division": sx.division,
        "other_division": sx.other_division,
    }
    items = {}
    for name, fact in FACTS.items():
        if fact.owner == "foreign":
            items[name] = _make(
                name, sx.items, foreign_director, foreign_director, foreign_clerk, foreign
            )
            continue
        drafter = sx.drafter if fact.drafter == "drafter" else sx.director
        items[name] = _make(name, sx.items, drafter, sx.director, sx.clerk, units[fact.owner])

    # Grants: live for e; for c one expired before today and one revoked.
    access.grant(
        ACTOR, items["e"], sx.cadre, granted_by=sx.officer, purpose="Thực hiện kế hoạch", on=ON
    )
    access.grant(
        ACTOR,
        items["c"],
        sx.cadre,
        granted_by=sx.officer,
        purpose="Họp tháng 4",
        valid_to=dt.date(2026, 4, 30),
        on=ON,
    )
    later = dt.date(2026, 5, 4)
    revoked = access.grant(
        ACTOR, items["c"], sx.cadre, granted_by=sx.director, purpose="Họp tháng 5", on=later
    )
    access.revoke(ACTOR, revoked, by=sx.director, on=dt.date(2026, 5, 20))

    # Custody: hand-overs inside the agency, and a delivery with a named receiver.
    delivery.hand_over(
        ACTOR, _held(items["d"], sx.clerk)[:1], from_staff=sx.clerk, to_staff=sx.head, on=ON
    )
    delivery.hand_over(
        ACTOR, _held(items["g"], sx.clerk)[:1], from_staff=sx.clerk, to_staff=sx.cadre, on=ON
    )
    delivery.hand_over(
        ACTOR, _held(items["c"], sx.clerk)[:1], from_staff=sx.clerk, to_staff=nocl, on=ON
    )
    delivery.deliver(
        ACTOR,
        items["f"],
        _held(items["f"], sx.clerk)[:1],
        sender=sx.clerk,
        receiving_unit=sx.other_division.name,
        receiver_name=sx.cadre.full_name,
        receiver=sx.cadre,
        on=ON,
    )
    # Recalls of everything handed out, long overdue today: the overdue-recall list has rows.
    for name in ("c", "d", "f", "g"):
        recall.issue_recall(
            ACTOR, items[name], issued_by=sx.officer, due_on=ON + dt.timedelta(days=10), on=ON
        )
    # The clearance withdrawn while the copy of c is still with them.
    people.change_clearance(ACTOR, nocl, "", reason="Thôi làm công việc liên quan")

    admin = people.create_admin(ACTOR, username=f"quantri{sx.agency.pk}", password=PASSWORD)
    staff = {
        "director": sx.director,
        "deputy": sx.deputy,
        "head": sx.head,
        "clerk": sx.clerk,
        "officer": sx.officer,
        "inspector": sx.inspector,
        "drafter": sx.drafter,
        "cadre": sx.cadre,
        "nocl": nocl,
        "admin": None,
        "foreign_clerk": foreign_clerk,
    }
    staff = {k: (Staff.objects.get(pk=v.pk) if v is not None else None) for k, v in staff.items()}
    users = {k: (v.user if v is not None else admin) for k, v in staff.items()}
    fresh = {name: SecretItem.objects.get(pk=item.pk) for name, item in items.items()}
    w = World(sx=sx, items=fresh, people=staff, users=users, foreign_agency=foreign)
    w.by_pk = {item.pk: name for name, item in fresh.items()}
    return w


def test_the_world_is_what_the_facts_say(world):
    """Ground truth: the database holds what FACTS state (so the matrix tests the gate, not the
    builder)."""
    for name, fact in FACTS.items():
        item = world.items[name]
        assert item.level == fact.level and item.status == SecretItem.Status.ACTIVE, name
        holders = {
            role
            for role, person in world.people.items()
            if person is not None
            and Copy.objects.filter(item=item, custodian=person, state__in=selectors.HELD_STATES)
            .exclude(custodian__role=Staff.Role.CLERK)
            .exists()
        }
        assert holders == fact.custody, name
        live = Grant.objects.filter(item=item, revoked_on__isnull=True).exclude(
            valid_to__lt=timezone.localdate()
        )
        granted = {role for role, p in world.people.items() if p and live.filter(staff=p).exists()}
        assert granted == fact.grants, name
        if fact.level == "tuyet_mat":
            assert item.summary == "" and TM_SECRET not in item.search_text
    assert world.people["nocl"].clearance == ""
    # The cadre's two grants on c exist, one expired and one revoked: neither counts.
    assert Grant.objects.filter(item=world.items["c"], staff=world.people["cadre"]).count() == 2


# ------------------------------------------------------------------------------ helpers


def _hidden(role: str) -> set[str]:
    return set(FACTS) - EXPECTED[role]


def _client(world, role) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _assert_no_hidden_text(world, role, html: str, where: str) -> None:
    assert TM_SECRET not in html, (role, where)
    for name in _hidden(role):
        assert _number(name) not in html, (role, where, name)
        assert _summary(name) not in html, (role, where, name)


def _in_book(book: Register) -> set[int]:
    return set(RegisterEntry.objects.filter(register=book).values_list("item_id", flat=True))


def _own_books(world, role) -> list[Register]:
    person = world.people[role]
    if person is None:
        return []
    return list(Register.objects.filter(agency=person.org_unit.agency()))


_PER_RESPONSE = re.compile(rb'(nonce=|value=|"X-CSRFToken": )"[A-Za-z0-9+/=_-]{16,}"')


def _body(response) -> bytes:
    """The body without what differs on every response anyway (CSP nonce, CSRF token)."""
    return _PER_RESPONSE.sub(rb'\1=""', response.content)


def _missing_pk() -> int:
    return (SecretItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


# ------------------------------------------------------------------------------ selectors, search


@pytest.mark.parametrize("role", ROLES)
def test_selectors_search_and_due_lists(world, role):
    staff, expected = world.people[role], EXPECTED[role]
    today = timezone.localdate()

    assert world.names(selectors.visible_items(staff)) == expected
    for name, item in world.items.items():
        if name in expected:
            assert selectors.item_for(staff, item.pk).pk == item.pk
            assert {c.item_id for c in selectors.copies_of(staff, item)} == {item.pk}
        else:
            with pytest.raises(Http404):
                selectors.item_for(staff, item.pk)
            assert not selectors.copies_of(staff, item).exists(), name

    counts = selectors.count_by_level(staff)
    assert counts == {
        level: sum(1 for n in expected if FACTS[n].level == level) for level in RANK if level
    }

    # Every book, of every agency: only the lines of visible items.
    for book in Register.objects.all():
        lines = selectors.register_entries(staff, book)
        assert {e.item_id for e in lines} == {world.items[n].pk for n in expected} & _in_book(book)

    # Search: the common words, each number and symbol, and the Tuyệt mật summary words.
    non_tm = {n for n in expected if FACTS[n].level != "tuyet_mat"}
    assert world.names(search_items(staff, COMMON_SUMMARY_WORDS)) == non_tm
    assert world.names(search_items(staff, COMMON_TYPE)) == expected
    assert search_items(staff, TM_WORDS) == []
    for name in FACTS:
        found = world.names(search_items(staff, _number(name)))
        assert found == ({name} if name in expected else set()), name

    # Due lists: recalls are overdue as built; then every item is put near its extension
    # deadline, then past its expiry.
    recalled = set(RecallTask.objects.values_list("copy__item_id", flat=True))
    rows = deadlines.overdue_recalls(staff, today)
    assert {t.copy.item_id for t in rows} == {world.items[n].pk for n in expected} & recalled
    assert world.names(t.copy.item for t in rows) <= expected
    assert not deadlines.overdue_take_outs(staff, today).exists()
    assert not deadlines.notices_owed(staff, today).exists()
    SecretItem.objects.update(
        extension_decision_by=today + dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=90),
    )
    assert world.names(deadlines.extensions_coming_due(staff, today)) == expected
    SecretItem.objects.update(expires_on=today - dt.timedelta(days=1))
    assert world.names(deadlines.lapsed_items(staff, today)) == expected
    assert not deadlines.extensions_coming_due(staff, today).exists()


# ------------------------------------------------------------------------------ web pages


@pytest.mark.parametrize("role", ROLES)
def test_web_pages(world, role):
    client, expected = _client(world, role), EXPECTED[role]

    listing = client.get(reverse("registry:items"))
    assert listing.status_code == 200
    assert world.names(listing.context["page"].rows) == expected
    _assert_no_hidden_text(world, role, listing.content.decode(), "items")

    nowhere = client.get(reverse("registry:item", args=[_missing_pk()]))
    assert nowhere.status_code == 404
    for name, item in world.items.items():
        page = client.get(reverse("registry:item", args=[item.pk]))
        if name in expected:
            assert page.status_code == 200, name
            _assert_no_hidden_text(world, role, page.content.decode(), f"item {name}")
        else:
            assert page.status_code == 404, name
            # Hidden and nonexistent answer alike: the body says nothing about existence.
            assert _body(page) == _body(nowhere), name

    found = client.get(reverse("registry:search"), {"q": COMMON_TYPE})
    assert found.status_code == 200
    assert world.names(found.context["found"]) == expected
    _assert_no_hidden_text(world, role, found.content.decode(), "search")
    for name in FACTS:
        by_number = client.get(reverse("registry:search"), {"q": _number(name)})
        assert world.names(by_number.context["found"]) == ({name} & expected), name
    secret = client.get(reverse("registry:search"), {"q": TM_WORDS})
    assert list(secret.context["found"]) == []

    # Register books and their printable pages (the export): every book of the agency is
    # listed (a book's existence is not a secret), its lines only for visible items.
    shelf = client.get(reverse("registry:registers"))
    assert shelf.status_code == 200
    books = {row["book"].pk: row["slug"] for row in shelf.context["books"]}
    assert set(books) == {b.pk for b in _own_books(world, role)}
    for book in Register.objects.filter(pk__in=books):
        page = client.get(
            reverse("registry:register_book", args=[books[book.pk], book.year, book.book])
        )
        assert page.status_code == 200, book
        shown = {e.item_id for e in page.context["entries"]}
        assert shown == {world.items[n].pk for n in expected} & _in_book(book), book
        _assert_no_hidden_text(world, role, page.content.decode(), f"book {book}")
    if world.people[role] is None:
        outgoing_book = Register.objects.filter(kind=Register.Kind.OUTGOING).first()
        page = client.get(reverse("registry:register", args=["di", outgoing_book.year]))
        assert page.status_code == 404

    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    card = dashboard.context["registry"]
    if world.people[role] is None:
        assert card is None
    else:
        shown = {row["code"]: row["count"] for row in card["levels"]}
        for code, count in shown.items():
            assert count == sum(1 for n in expected if FACTS[n].level == code), code
        for due in card["due"]:
            for row in due["rows"]:
                item = row if isinstance(row, SecretItem) else getattr(row, "item", None)
                item = item or row.copy.item
                assert world.by_pk[item.pk] in expected, (due["key"], item.pk)
    _assert_no_hidden_text(world, role, dashboard.content.decode(), "dashboard")


# ------------------------------------------------------------------------------ API


@pytest.mark.parametrize("role", ROLES)
def test_api(world, role):
    client, expected = _client(world, role), EXPECTED[role]

    def get(path, **query):
        response = client.get(API + path, query)
        assert TM_SECRET not in response.content.decode(), (role, path)
        return response

    listing = get("/items", limit=200)
    assert listing.status_code == 200
    assert world.names_of_ids(r["id"] for r in listing.json()["results"]) == expected

    nowhere = get(f"/items/{_missing_pk()}")
    assert nowhere.status_code == 404
    for name, item in world.items.items():
        one, copies = get(f"/items/{item.pk}"), get(f"/items/{item.pk}/copies")
        if name in expected:
            assert one.status_code == 200 and one.json()["id"] == item.pk, name
            assert copies.status_code == 200 and len(copies.json()) == 2, name
        else:
            assert one.status_code == copies.status_code == 404, name
            assert one.content == nowhere.content and copies.content == nowhere.content, name

    counts = get("/counts").json()
    assert counts == {
        level: sum(1 for n in expected if FACTS[n].level == level) for level in RANK if level
    }

    listed = get("/registers")
    assert listed.status_code == 200
    own = {b.pk for b in _own_books(world, role)}
    assert {r["id"] for r in listed.json()} == own
    for book in Register.objects.all():
        lines = get(f"/registers/{book.pk}/entries", limit=200)
        if book.pk not in own:
            assert lines.status_code == 404, book
            continue
        assert lines.status_code == 200
        shown = {row["item"]["id"] for row in lines.json()["results"]}
        assert shown == {world.items[n].pk for n in expected} & _in_book(book), book

    found = get("/search", q=COMMON_TYPE, limit=200).json()
    assert world.names_of_ids(r["id"] for r in found) == expected
    assert get("/search", q=TM_WORDS).json() == []
    for name in FACTS:
        found = get("/search", q=_number(name)).json()
        assert world.names_of_ids(r["id"] for r in found) == ({name} & expected), name
