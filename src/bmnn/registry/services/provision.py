"""Cung cấp, chuyển giao BMNN: the written request and the competent person's written answer.

A Vietnamese agency's request names the agency, its representative, the secret, the purpose and
a commitment to protect it (Law 29/2018 Art. 15(4)); a person's names them, an identity number,
a contact address and their position (Art. 15(5)). A foreign party must take part in an
international cooperation programme or official duty (Art. 16(2)); its request adds the passport
number (an agency's: the representative's nationality and position) and the commitment not to
pass the secret to third parties (Art. 16(3)-(4)). Refusals are written, with reasons (Art.
15(6), 16(6)). The delivery itself is a transfer in the transfer register.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from bmnn.people.models import Staff
from bmnn.registry.models import Provision, SecretItem
from bmnn.registry.rulebook import refuse, require, rule, stamp
from bmnn.registry.services._base import day, obj
from bmnn.web import ledger
from bmnn.web.errors import Refused


def _check_contents(
    on: dt.date,
    *,
    foreign: bool,
    requester_is_person: bool,
    fields: dict[str, str],
    no_third_party: bool,
) -> None:
    """The contents the law lists for this kind of requester; the first rule missed refuses."""
    name, rep, ident, nationality, address, position, purpose, commitment, basis = (
        fields[k]
        for k in (
            "requester_name",
            "representative",
            "identity_number",
            "nationality",
            "address",
            "position",
            "purpose",
            "commitment",
            "cooperation_basis",
        )
    )
    if foreign:
        if not basis:
            raise refuse(
                "provide.foreign_basis",
                on,
                "Bí mật nhà nước chỉ được cung cấp, chuyển giao cho bên nước ngoài tham gia "
                "chương trình hợp tác quốc tế hoặc thi hành công vụ có liên quan; đề nghị chưa "
                "nêu chương trình hợp tác hoặc công vụ.",
            )
        if requester_is_person:
            rule_id = "provide.foreign_request_person"
            needed = {
                "họ và tên": name,
                "số hộ chiếu": ident,
                "địa chỉ liên lạc": address,
                "mục đích sử dụng": purpose,
                "cam kết bảo vệ bí mật nhà nước": commitment,
            }
        else:
            rule_id = "provide.foreign_request"
            needed = {
                "tên cơ quan, tổ chức": name,
                "người đại diện": rep,
                "quốc tịch của người đại diện": nationality,
                "số hộ chiếu của người đại diện": ident,
                "chức vụ của người đại diện": position,
                "mục đích sử dụng": purpose,
                "cam kết bảo vệ bí mật nhà nước": commitment,
            }
        if not no_third_party:
            needed["cam kết không cung cấp, chuyển giao cho bên thứ ba"] = ""
    elif requester_is_person:
        rule_id = "provide.request_person"
        needed = {
            "họ và tên": name,
            "số căn cước, hộ chiếu hoặc giấy chứng minh": ident,
            "địa chỉ liên lạc": address,
            "vị trí công tác": position,
            "mục đích sử dụng": purpose,
            "cam kết bảo vệ bí mật nhà nước": commitment,
        }
    else:
        rule_id = "provide.request"
        needed = {
            "tên cơ quan, tổ chức": name,
            "người đại diện": rep,
            "mục đích sử dụng": purpose,
            "cam kết bảo vệ bí mật nhà nước": commitment,
        }
    missing = [label for label, value in needed.items() if not value]
    if missing:
        raise refuse(
            rule_id, on, "Văn bản đề nghị cung cấp, chuyển giao còn thiếu: " + ", ".join(missing)
        )


def decide_provision(
    actor: str,
    item: SecretItem,
    *,
    foreign: bool,
    requester_is_person: bool,
    requester_name: str,
    representative: str = "",
    identity_number: str = "",
    nationality: str = "",
    address: str = "",
    position: str = "",
    purpose: str,
    commitment: str,
    no_third_party: bool = False,
    cooperation_basis: str = "",
    requested_on: dt.date,
    decided_by: Staff,
    approve: bool,
    refusal_reason: str = "",
    on: dt.date | None = None,
) -> Provision:
    """Record a request and its decision. Approval checks the request's contents; a refusal only
    needs the requester and a written reason (an incomplete request may be refused for that).
    Either way the decider must hold `provide_domestic` / `provide_foreign` for the level."""
    on = day(on)
    fields = {
        "requester_name": requester_name.strip(),
        "representative": representative.strip(),
        "identity_number": identity_number.strip(),
        "nationality": nationality.strip(),
        "address": address.strip(),
        "position": position.strip(),
        "purpose": purpose.strip(),
        "commitment": commitment.strip(),
        "cooperation_basis": cooperation_basis.strip(),
    }
    refusal_reason = refusal_reason.strip()
    if not isinstance(requested_on, dt.date) or requested_on > on:
        raise ValidationError("Ngày đề nghị không hợp lệ (phải trước hoặc bằng ngày quyết định).")
    if not fields["requester_name"]:
        raise ValidationError("Cần ghi tên cơ quan, tổ chức hoặc họ tên người đề nghị.")
    if approve:
        _check_contents(
            on,
            foreign=foreign,
            requester_is_person=requester_is_person,
            fields=fields,
            no_third_party=no_third_party,
        )
    elif not refusal_reason:
        raise ValidationError(
            "Từ chối cung cấp, chuyển giao phải trả lời bằng văn bản và nêu rõ lý do "
            f"({rule('provide.refusal', on).citation})."
        )
    action = "provide_foreign" if foreign else "provide_domestic"
    with transaction.atomic():
        item = SecretItem.objects.select_for_update().select_related("owner_unit").get(pk=item.pk)
        if item.status != SecretItem.Status.ACTIVE:
            raise ValidationError(f"Tài liệu đang ở tình trạng «{item.get_status_display()}».")
        decision = require(decided_by, action, item.level, on)
        if decided_by.org_unit.agency() != item.owner_unit.agency():
            # "thuộc phạm vi quản lý": a competent person decides on their own agency's secrets.
            raise Refused(
                f"Tài liệu này không thuộc phạm vi quản lý của {decided_by.full_name}.",
                decision.citation,
            )
        # A refusal rests on the duty to answer in writing with reasons; an approval on authority.
        stamped = stamp(decision) if approve else rule("provide.refusal", on).stamp()
        provision = Provision.objects.create(
            item=item,
            foreign=foreign,
            requester_is_person=requester_is_person,
            no_third_party=no_third_party,
            requested_on=requested_on,
            decided_by=decided_by,
            decided_on=on,
            status=Provision.Status.APPROVED if approve else Provision.Status.REFUSED,
            refusal_reason="" if approve else refusal_reason,
            **fields,
            **stamped,
        )
        ledger.record(
            actor,
            "registry.provision.approve" if approve else "registry.provision.refuse",
            obj(provision),
            {
                "item": item.pk,
                "foreign": foreign,
                "requester_is_person": requester_is_person,
                "requester_name": fields["requester_name"],
                "decided_by": decided_by.pk,
                "on": on.isoformat(),
                "authority": decision.citation,
                "refusal_reason": provision.refusal_reason,
                **stamped,
            },
        )
    return provision
