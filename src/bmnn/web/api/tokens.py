"""API tokens: issue, revoke, authenticate. Each change is written with its ledger event.

The token itself (secrets.token_urlsafe(32), 256 bits) is shown once, to the caller of
issue_token; the database keeps only its SHA-256, so a copy of the database cannot be used to
act as anyone. A token works only while it is neither expired nor revoked, its person is active
and their account is enabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bmnn.people.models import Staff
from bmnn.web import ledger
from bmnn.web.models import ApiToken

DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365
# last_used_at is refreshed at most this often: a write on every read would serialise readers
# on SQLite for nothing an inspector needs.
_TOUCH_EVERY = dt.timedelta(minutes=5)


def _obj(token: ApiToken) -> str:
    return f"{token._meta.label}:{token.pk}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    actor: str,
    staff: Staff,
    *,
    label: str,
    lifetime_days: int = DEFAULT_LIFETIME_DAYS,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `staff`: the row and the token text, which is never shown again."""
    now = now or timezone.now()
    label = (label or "").strip()
    if not label:
        raise ValidationError("Cần đặt tên gọi cho mã truy cập (ví dụ: tên phần mềm dùng nó).")
    if len(label) > 100:
        raise ValidationError("Tên gọi của mã truy cập dài quá 100 ký tự.")
    if (
        not isinstance(lifetime_days, int)
        or isinstance(lifetime_days, bool)
        or not 1 <= lifetime_days <= MAX_LIFETIME_DAYS
    ):
        raise ValidationError(f"Thời hạn của mã truy cập phải từ 1 đến {MAX_LIFETIME_DAYS} ngày.")
    if not staff.user.is_active or not staff.is_active_on(timezone.localdate(now)):
        raise ValidationError(f"{staff.full_name} không còn công tác; không cấp mã truy cập.")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            staff=staff,
            label=label,
            key_hash=hash_token(raw),
            created_at=now,
            expires_at=now + dt.timedelta(days=lifetime_days),
        )
        ledger.record(
            actor,
            "web.api_token.issue",
            _obj(token),
            {
                "staff": staff.pk,
                "label": label,
                "expires_at": token.expires_at.astimezone(dt.UTC).isoformat(),
            },
        )
    return token, raw


def revoke_token(
    actor: str, token: ApiToken, *, reason: str = "", now: dt.datetime | None = None
) -> ApiToken:
    """Stop a token from working, from now on."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError("Mã truy cập này đã bị thu hồi.")
        token.revoked_at, token.revoked_reason = now, reason
        token.save(update_fields=["revoked_at", "revoked_reason"])
        ledger.record(
            actor,
            "web.api_token.revoke",
            _obj(token),
            {"staff": token.staff_id, "reason": reason},
        )
    return token


def revoke_all(actor: str, staff: Staff, *, reason: str, now: dt.datetime | None = None) -> int:
    """Revoke every working token of `staff` (on departure, on suspicion of a leak)."""
    now = now or timezone.now()
    tokens = ApiToken.objects.filter(staff=staff, revoked_at__isnull=True, expires_at__gt=now)
    count = 0
    for token in tokens:
        revoke_token(actor, token, reason=reason, now=now)
        count += 1
    return count


def tokens_of(staff: Staff) -> list[ApiToken]:
    """The tokens of one person, newest first (for their own page)."""
    return list(ApiToken.objects.filter(staff=staff))


def authenticate(raw: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The working token whose text is `raw`, with its person loaded; None otherwise."""
    now = now or timezone.now()
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("staff__user", "staff__org_unit")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_valid_at(now):
        return None
    staff = token.staff
    if not staff.user.is_active or not staff.is_active_on(timezone.localdate(now)):
        return None
    if token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
