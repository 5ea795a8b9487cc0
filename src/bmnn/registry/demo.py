"""Demo registry data for the demo agency of bmnn.people.demo: one item at each level, proposed,
approved by the director and entered in the outgoing register by the clerk.

Everything goes through the services, so the ledger and the registers are what real work would
leave. It runs only while the demo agency has no item yet, so a second run changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bmnn.catalogue.models import CatalogueItem
from bmnn.people.models import Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import SecretItem
from bmnn.registry.services import classification, outgoing

ACTOR = "system"

# (drafter login, level, title, doc type, number, copies, copy allowed)
_ITEMS = [
    ("giamdoc", "tuyet_mat", "", "Kế hoạch", "01/KH-STP", 2, False),
    (
        "truongphong",
        "toi_mat",
        "Báo cáo kết quả kiểm tra công tác bảo vệ bí mật nhà nước năm 2026 (dữ liệu mẫu)",
        "Báo cáo",
        "02/BC-STP",
        3,
        True,
    ),
    (
        "soanthao",
        "mat",
        "Công văn về phương án bảo vệ hồ sơ lý lịch tư pháp (dữ liệu mẫu)",
        "Công văn",
        "03/CV-STP",
        3,
        True,
    ),
]


def seed_registry_demo() -> int:
    """Create the demo items if the demo agency has none; return how many were created."""
    people = {s.user.username: s for s in Staff.objects.select_related("user", "org_unit")}
    needed = {"giamdoc", "vanthu", *(row[0] for row in _ITEMS)}
    if not needed <= people.keys():
        return 0  # not the demo agency
    agency = people["giamdoc"].org_unit.agency()
    if SecretItem.objects.filter(owner_unit__in=subunits(agency)).exists():
        return 0
    today = timezone.localdate()
    created = 0
    with transaction.atomic():
        for login, level, title, doc_type, number, copies, copy_allowed in _ITEMS:
            catalogue_item = (
                CatalogueItem.objects.filter(level=level, decision__status="active")
                .order_by("id")
                .first()
            )
            proposal = classification.propose(
                ACTOR,
                people[login],
                title=title or f"{doc_type} (dữ liệu mẫu)",
                level=level,
                catalogue_item=catalogue_item,
                recipients_text="Giám đốc Sở; Phòng Xây dựng và Kiểm tra văn bản; Lưu: VT",
                copies=copies,
                copy_allowed=copy_allowed,
                on=today,
            )
            proposal = classification.decide(
                ACTOR, proposal, people["giamdoc"], approve=True, on=today
            )
            outgoing.register_outgoing(
                ACTOR,
                proposal.item,
                people["vanthu"],
                number_symbol=number,
                doc_type=doc_type,
                signer=people["giamdoc"].full_name,
                on=today,
            )
            created += 1
    return created
