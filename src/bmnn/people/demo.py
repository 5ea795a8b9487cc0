"""The demo agency: a fictitious provincial department with one person in each role.

Everything is created through the services, so the ledger holds the events, and only when it is
missing, so a second run changes nothing and prints the same logins. The passwords are fixed and
printed because they are for a demo; they still pass the password validators.
The catalogue decision seeded here is NOT law: it is marked as sample data in its number, title,
issuer and `is_sample` flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bmnn.catalogue import services as catalogue_services
from bmnn.catalogue.models import CatalogueDecision
from bmnn.people import services
from bmnn.people.models import Delegation, OrgUnit, Staff

ACTOR = "system"
PROVINCE = "tỉnh Sông Xanh"
SUPERIOR = "ỦY BAN NHÂN DÂN TỈNH SÔNG XANH"
AGENCY_CODE = "STP-SX"


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str  # in Vietnamese, for the printed table


# (code, name, kind, parent code)
_UNITS = [
    (AGENCY_CODE, f"Sở Tư pháp {PROVINCE} (dữ liệu mẫu)", OrgUnit.Kind.AGENCY, None),
    ("STP-SX-VP", "Văn phòng Sở", OrgUnit.Kind.DIVISION, AGENCY_CODE),
    ("STP-SX-TTR", "Thanh tra Sở", OrgUnit.Kind.DIVISION, AGENCY_CODE),
    ("STP-SX-VBPQ", "Phòng Xây dựng và Kiểm tra văn bản", OrgUnit.Kind.DIVISION, AGENCY_CODE),
    ("STP-SX-HCTP", "Phòng Hành chính tư pháp", OrgUnit.Kind.DIVISION, AGENCY_CODE),
]

_ADMIN = Login("quantri", "Demo@QuanTri-2026", "Quản trị hệ thống")


@dataclass(frozen=True)
class _Person:
    login: Login
    full_name: str
    unit: str
    post_code: str
    position: str
    role: str
    clearance: str


_PEOPLE = [
    _Person(
        Login("giamdoc", "Demo@GiamDoc-2026", "Giám đốc Sở"),
        "Phạm Văn Hùng",
        AGENCY_CODE,
        "giam_doc_so",
        "Giám đốc",
        Staff.Role.LEADER,
        "tuyet_mat",
    ),
    _Person(
        Login("phogiamdoc", "Demo@PhoGiamDoc-2026", "Phó Giám đốc (được ủy quyền bằng văn bản)"),
        "Hoàng Văn Nam",
        AGENCY_CODE,
        "cap_pho_duoc_uy_quyen",
        "Phó Giám đốc",
        Staff.Role.LEADER,
        "toi_mat",
    ),
    _Person(
        Login("truongphong", "Demo@TruongPhong-2026", "Trưởng phòng"),
        "Lê Thị Hoa",
        "STP-SX-VBPQ",
        "truong_phong_thuoc_so",
        "Trưởng phòng Xây dựng và Kiểm tra văn bản",
        Staff.Role.LEADER,
        "toi_mat",
    ),
    _Person(
        Login("canbobmnn", "Demo@CanBoBMNN-2026", "Cán bộ kiêm nhiệm bảo vệ BMNN"),
        "Đỗ Thị Thu",
        "STP-SX-VP",
        "can_bo",
        "Chuyên viên Văn phòng Sở",
        Staff.Role.KIEM_NHIEM,
        "toi_mat",
    ),
    _Person(
        Login("vanthu", "Demo@VanThu-2026", "Văn thư"),
        "Nguyễn Thị Lan",
        "STP-SX-VP",
        "can_bo",
        "Văn thư",
        Staff.Role.CLERK,
        "toi_mat",
    ),
    _Person(
        Login("soanthao", "Demo@SoanThao-2026", "Chuyên viên soạn thảo"),
        "Trần Văn Minh",
        "STP-SX-VBPQ",
        "can_bo",
        "Chuyên viên",
        Staff.Role.DRAFTER,
        "mat",
    ),
]

_DELEGATION_NUMBER = "01/GUQ-STP"
_DELEGATION = {
    "actions": ["copy", "take_out_domestic"],
    "levels": ["toi_mat", "mat"],
    "content": (
        "Giám đốc Sở ủy quyền cho Phó Giám đốc cho phép sao, chụp tài liệu, vật chứa bí mật nhà"
        " nước độ Tối mật, Mật và cho phép mang tài liệu, vật chứa bí mật nhà nước ra khỏi nơi"
        " lưu giữ để phục vụ công tác trong nước. (Dữ liệu mẫu.)"
    ),
}

_SAMPLE_DECISION = {
    "number": "MẪU-01/DỮ-LIỆU-MẪU",
    "issuer": "Dữ liệu mẫu — không phải văn bản do cơ quan có thẩm quyền ban hành",
    "title": "DỮ LIỆU MẪU — Danh mục bí mật nhà nước dùng để chạy thử (không có giá trị pháp lý)",
    "note": (
        "Quyết định này do phần mềm tạo để chạy thử. Không dùng để xác định độ mật tài liệu thật;"
        " hãy nhập các quyết định ban hành danh mục bí mật nhà nước thật của ngành, lĩnh vực."
    ),
}
# (article, clause, point, level, text)
_SAMPLE_ITEMS = [
    ("1", "1", "", "tuyet_mat", "Thông tin mẫu độ Tuyệt mật (dữ liệu chạy thử)."),
    ("2", "1", "a", "toi_mat", "Thông tin mẫu độ Tối mật, loại thứ nhất (dữ liệu chạy thử)."),
    ("2", "1", "b", "toi_mat", "Thông tin mẫu độ Tối mật, loại thứ hai (dữ liệu chạy thử)."),
    ("3", "1", "", "mat", "Thông tin mẫu độ Mật, loại thứ nhất (dữ liệu chạy thử)."),
    ("3", "2", "", "mat", "Thông tin mẫu độ Mật, loại thứ hai (dữ liệu chạy thử)."),
]


def seed_demo() -> list[Login]:
    """Create what is missing of the demo agency; return the logins to print."""
    with transaction.atomic():
        units = _seed_units()
        _seed_admin()
        people = {p.login.username: _seed_person(p, units) for p in _PEOPLE}
        _seed_delegation(people["giamdoc"], people["phogiamdoc"])
        _seed_catalogue()
    return [_ADMIN, *(p.login for p in _PEOPLE)]


def _seed_units() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {
        u.short_code: u
        for u in OrgUnit.objects.filter(short_code__in=[code for code, *_ in _UNITS])
    }
    for code, name, kind, parent in _UNITS:
        if code not in units:
            units[code] = services.create_org_unit(
                ACTOR,
                name=name,
                short_code=code,
                kind=kind,
                parent=units[parent] if parent else None,
                superior_agency_name=SUPERIOR if kind == OrgUnit.Kind.AGENCY else "",
            )
    return units


def _seed_admin() -> None:
    if not get_user_model().objects.filter(username=_ADMIN.username).exists():
        services.create_admin(ACTOR, username=_ADMIN.username, password=_ADMIN.password)


def _seed_person(person: _Person, units: dict[str, OrgUnit]) -> Staff:
    existing = Staff.objects.filter(user__username=person.login.username).first()
    if existing is not None:
        return existing
    return services.create_staff(
        ACTOR,
        username=person.login.username,
        password=person.login.password,
        full_name=person.full_name,
        org_unit=units[person.unit],
        post_code=person.post_code,
        position=person.position,
        role=person.role,
        clearance=person.clearance,
        active_from=_start_date(),
    )


def _start_date() -> dt.date:
    # Everyone "started" a year ago, so the demo can show decisions dated in the recent past.
    return timezone.localdate() - dt.timedelta(days=365)


def _seed_delegation(director: Staff, deputy: Staff) -> None:
    if Delegation.objects.filter(delegator=director, document_number=_DELEGATION_NUMBER).exists():
        return
    today = timezone.localdate()
    services.create_delegation(
        ACTOR,
        delegator=director,
        delegate=deputy,
        valid_from=today,
        valid_to=_one_year_later(today) - dt.timedelta(days=1),
        document_number=_DELEGATION_NUMBER,
        document_date=today,
        **_DELEGATION,
    )


def _one_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _seed_catalogue() -> None:
    decision = CatalogueDecision.objects.filter(number=_SAMPLE_DECISION["number"]).first()
    if decision is None:
        decision = catalogue_services.create_decision(
            ACTOR, date=_start_date(), is_sample=True, **_SAMPLE_DECISION
        )
    present = {(i.article, i.clause, i.point) for i in decision.items.all()}
    for article, clause, point, level, text in _SAMPLE_ITEMS:
        if (article, clause, point) not in present:
            catalogue_services.add_item(
                ACTOR, decision, article=article, clause=clause, point=point, level=level, text=text
            )
