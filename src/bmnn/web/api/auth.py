"""Who is calling the API: a bearer token, or the web session (with CSRF on unsafe methods).

A request that carries an Authorization header is judged by it alone: a wrong, expired or
revoked token is 401 even if a session cookie came along, so a script never acts as whoever
happens to be logged in on the machine. Only token requests are exempt from CSRF: a browser
cannot attach the header cross-site, while it attaches the session cookie to anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.middleware.csrf import CsrfViewMiddleware

from bmnn.people.models import Staff
from bmnn.registry.selectors import staff_of
from bmnn.web.api import tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BEARER = re.compile(r"^Bearer[ \t]+([A-Za-z0-9_\-]{1,128})[ \t]*$")


class ApiError(Exception):
    """An answer other than success, with its HTTP status and JSON body."""

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


@dataclass(frozen=True)
class Caller:
    user: object
    staff: Staff | None
    via: str  # "token" or "session"
    token_id: int | None = None

    @property
    def actor(self) -> str:
        prefix = "api" if self.via == "token" else "user"
        return f"{prefix}:{self.user.get_username()}"


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_refusal(request) -> str | None:
    """The reason the session request fails the CSRF check, or None if it passes."""
    check = _CsrfCheck(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def authenticate(request) -> Caller:
    header = request.headers.get("Authorization")
    if header is not None:
        match = _BEARER.match(header)
        if match is None:
            raise ApiError(401, "Tiêu đề Authorization phải có dạng: Bearer <mã truy cập>.")
        token = tokens.authenticate(match.group(1))
        if token is None:
            raise ApiError(401, "Mã truy cập không đúng, đã hết hạn hoặc đã bị thu hồi.")
        return Caller(user=token.staff.user, staff=token.staff, via="token", token_id=token.pk)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise ApiError(401, "Chưa đăng nhập: hãy đăng nhập hoặc gửi mã truy cập (Bearer).")
    if request.method not in SAFE_METHODS:
        reason = csrf_refusal(request)
        if reason is not None:
            raise ApiError(
                403,
                "Yêu cầu qua phiên đăng nhập phải kèm mã CSRF (tiêu đề X-CSRFToken).",
                citation=None,
            )
    return Caller(user=user, staff=staff_of(user), via="session")
