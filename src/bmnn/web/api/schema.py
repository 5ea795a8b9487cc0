"""The API's route table, the JSON-schema subset it checks input with, and the OpenAPI 3.1
document generated from it.

Every route declares its method, path, summary, query parameters, request and response
schemas in one place (`route`). The URLs, the input check and /api/v1/openapi.json are all made
from that table, so the description cannot drift from what the server does.

The schema subset: type (one or a list), properties, required, additionalProperties: false,
items, oneOf, enum, format "date", minLength, maxLength, minimum, maximum, maxItems, $ref to
"#/components/schemas/<Name>".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "1.0.0"
REF_PREFIX = "#/components/schemas/"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PATH_PARAM = re.compile(r"\{(\w+)\}")

# Named schemas (components.schemas); routes and other schemas point at them with ref().
SCHEMAS: dict[str, dict] = {}


def ref(name: str) -> dict:
    return {"$ref": REF_PREFIX + name}


def component(name: str, schema: dict) -> dict:
    SCHEMAS[name] = schema
    return ref(name)


def array_of(schema: dict) -> dict:
    return {"type": "array", "items": schema}


def page_of(schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["results", "next_cursor"],
        "properties": {
            "results": array_of(schema),
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Gửi lại trong tham số cursor để lấy trang sau; null là hết.",
            },
        },
    }


@dataclass(frozen=True)
class Param:
    """A query parameter: its value (a string) is converted and checked by `schema`."""

    name: str
    schema: dict
    description: str
    required: bool = False


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # OpenAPI form, e.g. "/items/{id}"; every path parameter is a positive integer
    name: str  # operationId
    summary: str  # Vietnamese
    tag: str
    handler: Callable
    response: dict
    status: int = 200
    request: dict | None = None
    query: tuple[Param, ...] = ()
    authenticated: bool = True
    errors: tuple[int, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    def django_path(self) -> str:
        return _PATH_PARAM.sub(r"<int:\1>", self.path.lstrip("/"))


ROUTES: list[Route] = []


def route(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: dict,
    status: int = 200,
    request: dict | None = None,
    query: tuple[Param, ...] = (),
    authenticated: bool = True,
    errors: tuple[int, ...] = (),
):
    """Register the decorated handler in the route table."""

    def register(handler: Callable) -> Callable:
        if any(r.method == method and r.path == path for r in ROUTES):
            raise ValueError(f"Đường dẫn {method} {path} đã được khai báo.")
        ROUTES.append(
            Route(
                method=method,
                path=path,
                name=handler.__name__,
                summary=summary,
                tag=tag,
                handler=handler,
                response=response,
                status=status,
                request=request,
                query=query,
                authenticated=authenticated,
                errors=errors,
            )
        )
        return handler

    return register


# ---------------------------------------------------------------------------- checking input


@dataclass
class Problems:
    details: list[dict] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.details.append({"field": where or None, "message": message})


_TYPE_NAMES = {
    "string": "chuỗi ký tự",
    "integer": "số nguyên",
    "boolean": "true/false",
    "object": "đối tượng JSON",
    "array": "danh sách",
    "null": "null",
    "number": "số",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    raise ValueError(f"Kiểu {name!r} không có trong tập con JSON schema của API.")


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].removeprefix(REF_PREFIX)]
    return schema


def parse_date(text: str) -> dt.date | None:
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def check(schema: dict, value: Any, where: str, problems: Problems) -> Any:
    """`value` converted (dates become datetime.date); problems are collected, not raised."""
    schema = resolve(schema)
    if "oneOf" in schema:
        for option in schema["oneOf"]:
            trial = Problems()
            converted = check(option, value, where, trial)
            if not trial.details:
                return converted
        problems.add(where, "Giá trị không đúng kiểu nào được phép.")
        return value
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in types):
            wanted = " hoặc ".join(_TYPE_NAMES[t] for t in types)
            problems.add(where, f"Phải là {wanted}.")
            return value
    if value is None:
        return None
    if "enum" in schema and value not in schema["enum"]:
        problems.add(
            where, "Giá trị không hợp lệ; chỉ nhận: " + ", ".join(map(str, schema["enum"]))
        )
        return value
    if isinstance(value, str):
        if "minLength" in schema and len(value.strip()) < schema["minLength"]:
            problems.add(where, "Không được để trống.")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.add(where, f"Dài quá {schema['maxLength']} ký tự.")
        if schema.get("format") == "date":
            parsed = parse_date(value)
            if parsed is None:
                problems.add(where, "Ngày không hợp lệ; viết theo dạng YYYY-MM-DD.")
                return value
            return parsed
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.add(where, f"Phải từ {schema['minimum']} trở lên.")
        if "maximum" in schema and value > schema["maximum"]:
            problems.add(where, f"Không được quá {schema['maximum']}.")
        return value
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.add(where, f"Nhiều quá {schema['maxItems']} phần tử.")
            return value
        item_schema = schema.get("items", {})
        return [check(item_schema, v, f"{where}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        out = {}
        for name in schema.get("required", ()):
            if name not in value:
                problems.add(_join(where, name), "Thiếu trường bắt buộc.")
        for name, sub in value.items():
            if name in properties:
                out[name] = check(properties[name], sub, _join(where, name), problems)
            elif schema.get("additionalProperties", True) is False:
                problems.add(_join(where, name), "Trường không được biết đến.")
            else:
                out[name] = sub
        return out
    return value


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def check_query(params: tuple[Param, ...], raw: dict[str, str], problems: Problems) -> dict:
    """Query parameters converted by their schema (integers and dates from their text)."""
    out: dict[str, Any] = {}
    known = {p.name for p in params}
    for name in raw:
        if name not in known:
            problems.add(name, "Tham số không được biết đến.")
    for param in params:
        if param.name not in raw:
            if param.required:
                problems.add(param.name, "Thiếu tham số bắt buộc.")
            continue
        text = raw[param.name]
        schema = resolve(param.schema)
        value: Any = text
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d{1,12}", text):
                problems.add(param.name, "Phải là số nguyên.")
                continue
            value = int(text)
        out[param.name] = check(schema, value, param.name, problems)
    return out


# ---------------------------------------------------------------------------- OpenAPI

ERROR_TEXT = {
    400: "Yêu cầu không hợp lệ.",
    401: "Chưa xác thực (không đăng nhập, hoặc mã truy cập sai, hết hạn, đã bị thu hồi).",
    403: "Bị từ chối: theo quy định (kèm căn cứ), không có nhiệm vụ, hoặc thiếu mã CSRF.",
    404: "Không tìm thấy (không có, hoặc người dùng không được biết đến).",
    405: "Phương thức không được hỗ trợ.",
    413: "Nội dung gửi lên quá lớn.",
    415: "Nội dung gửi lên phải là JSON.",
    422: "Dữ liệu gửi lên không hợp lệ.",
}


def openapi() -> dict:
    paths: dict[str, dict] = {}
    for r in ROUTES:
        op: dict[str, Any] = {
            "operationId": r.name,
            "summary": r.summary,
            "tags": [r.tag],
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
                for p in r.path_params
            ]
            + [
                {
                    "name": p.name,
                    "in": "query",
                    "required": p.required,
                    "description": p.description,
                    "schema": p.schema,
                }
                for p in r.query
            ],
            "responses": {
                str(r.status): {
                    "description": "Thành công.",
                    "content": {"application/json": {"schema": r.response}},
                }
            },
        }
        if r.request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": r.request}},
            }
        codes = set(r.errors)
        if r.authenticated:
            codes.add(401)
        else:
            op["security"] = []
        if r.path_params:
            codes.add(404)
        if r.query:
            codes.add(422)
        if r.request is not None:
            codes |= {403, 413, 415, 422}
        for code in sorted(codes):
            op["responses"][str(code)] = {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": ref("Error")}},
            }
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BMNN — giao diện lập trình (API)",
            "version": API_VERSION,
            "description": (
                "API JSON của hệ thống quản lý bí mật nhà nước. Mọi dữ liệu đọc qua cùng một "
                "cổng cần-biết như giao diện web; mọi thay đổi qua cùng các dịch vụ, với cùng "
                "kiểm tra theo quy định và ghi sổ nhật ký."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(SCHEMAS.items())),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Mã truy cập do quản trị cấp (Authorization: Bearer <mã>).",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": (
                        "Phiên đăng nhập web; yêu cầu thay đổi dữ liệu phải kèm mã CSRF "
                        "(tiêu đề X-CSRFToken)."
                    ),
                },
            },
        },
    }
