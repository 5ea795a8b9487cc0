"""One Django view per API path, made from the route table: authenticate, check the query and
the body against the route's schemas, call the handler, and turn every refusal into JSON.

Errors and their answers:
- Refused (a rule of law)            → 403 {"error", "citation"}
- PermissionDenied (no such duty)     → 403 {"error", "citation": null}
- ValidationError, malformed input    → 422 {"error", "citation": null, "details": [...]}
- Http404, hidden or missing alike    → 404 {"error": "Không tìm thấy."}
- too large a body                    → 413; a body that is not JSON → 415
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bmnn.people.models import Staff
from bmnn.web.api.auth import ApiError, Caller, authenticate
from bmnn.web.api.schema import Problems, Route, check, check_query
from bmnn.web.errors import Refused

MAX_BODY_BYTES = 1024 * 1024
NOT_FOUND = "Không tìm thấy."


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, the caller, checked query, body and path values."""

    request: Any
    caller: Caller | None
    query: dict
    body: dict
    path: dict

    @property
    def actor(self) -> str:
        return self.caller.actor

    @property
    def staff(self) -> Staff | None:
        return self.caller.staff if self.caller else None

    def acting_staff(self) -> Staff:
        """The person who acts; an account without a staff record (the administrator) may read
        nothing secret and change nothing in the registry."""
        if self.staff is None:
            raise PermissionDenied(
                "Tài khoản này không gắn với cán bộ nào nên không thực hiện được nghiệp vụ."
            )
        return self.staff


def respond(data: Any, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    # Secrets must not stay in a browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _invalid(problems: Problems) -> ApiError:
    return ApiError(422, "Dữ liệu gửi lên không hợp lệ.", citation=None, details=problems.details)


def _body(request, route: Route) -> dict:
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared = int(length)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise ApiError(413, f"Nội dung gửi lên quá {MAX_BODY_BYTES // 1024} KB.")
    if declared == 0 and not route.request.get("required"):
        # Nothing to say (every field optional): an empty body is the empty object.
        data, problems = {}, Problems()
        data = check(route.request, data, "", problems)
        return data
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(415, "Nội dung gửi lên phải là JSON (Content-Type: application/json).")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, f"Nội dung gửi lên quá {MAX_BODY_BYTES // 1024} KB.") from None
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"Nội dung gửi lên quá {MAX_BODY_BYTES // 1024} KB.")
    try:
        data = json.loads(raw.decode(request.encoding or "utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(
            422,
            "Nội dung gửi lên không phải JSON hợp lệ.",
            citation=None,
            details=[{"field": None, "message": str(exc)}],
        ) from None
    problems = Problems()
    data = check(route.request, data, "", problems)
    if problems.details:
        raise _invalid(problems)
    return data


def _validation_details(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": name, "message": message}
            for name, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"field": None, "message": message} for message in exc.messages]


def _run(route: Route, request, path: dict):
    caller = authenticate(request) if route.authenticated else None
    problems = Problems()
    query = check_query(route.query, request.GET.dict(), problems)
    if problems.details:
        raise _invalid(problems)
    body = _body(request, route) if route.request is not None else {}
    return route.handler(Call(request=request, caller=caller, query=query, body=body, path=path))


def _answer(route: Route, request, path: dict) -> JsonResponse:
    try:
        return respond(_run(route, request, path), status=route.status)
    except ApiError as exc:
        headers = {"WWW-Authenticate": 'Bearer realm="bmnn"'} if exc.status == 401 else None
        return respond(exc.body, status=exc.status, headers=headers)
    except Refused as exc:
        return respond({"error": exc.message, "citation": exc.citation or None}, status=403)
    except PermissionDenied as exc:
        return respond({"error": str(exc) or "Không được phép.", "citation": None}, status=403)
    except ValidationError as exc:
        details = _validation_details(exc)
        return respond(
            {
                "error": details[0]["message"] if details else "Dữ liệu không hợp lệ.",
                "citation": None,
                "details": details,
            },
            status=422,
        )
    except Http404:
        # Whatever the cause (missing or hidden by the gate), the same words.
        return respond({"error": NOT_FOUND}, status=404)


def path_view(routes: list[Route]) -> Callable:
    """The view of one path; it answers each declared method, 405 for the others."""
    by_method = {r.method: r for r in routes}
    allowed = ", ".join(sorted(by_method))

    # CSRF is checked in auth.authenticate, for session requests only.
    @csrf_exempt
    def view(request, **path):
        route = by_method.get(request.method)
        if route is None and request.method == "HEAD":
            route = by_method.get("GET")
        if route is None:
            return respond(
                {"error": f"Phương thức {request.method} không được hỗ trợ ở đây."},
                status=405,
                headers={"Allow": allowed},
            )
        return _answer(route, request, path)

    view.__name__ = f"api_{routes[0].name}"
    return view
