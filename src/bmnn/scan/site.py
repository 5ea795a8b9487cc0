"""`bmnn scan site ROOT`: audits a local mirror of a website (what wget or HTTrack saved: a
folder of pages and files) and reports which pages link to secret files.

Every file under ROOT is scanned by the engine, pages included. Every HTML page's links
(href, src and the other link attributes lxml knows, <base href> honoured) are resolved as
the web server would: "/x" from ROOT, "x" from the page's folder, "dir/" to its index page,
"%20" decoded, a saved "page?query" file preferred to "page". Links to other sites are listed
with verdict "external" and not checked (unless `--base-url` names this site's own address);
links above ROOT are "outside", links to files not in the mirror "missing".

`--format jsonl`: one line per HTML page
    {"type": "page", "page", "verdict", "level", "error", "links": [{"href", "target",
     "verdict", "level"}]}
then one line per other file that is secret or error, linked or not (a file nobody links to
is still on the server, and found by whoever guesses its address)
    {"type": "file", "path", "verdict", "level", "error", "linked_from": [pages]}
Paths are relative to ROOT, with "/".

Exit codes, as `bmnn scan`: 2 if any file is `error`; else 1 if any is `secret`; else 0.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import typer

from bmnn.scan.engine import ConfigError, ScanConfig, Scanner
from bmnn.scan.model import FileResult

_SKIP_SCHEMES = ("mailto", "tel", "javascript", "data", "about", "sms", "callto")
_INDEX_NAMES = ("index.html", "index.htm", "index.xhtml", "default.html", "default.htm")
_PAGE_HEAD = 4096


@dataclass
class Link:
    href: str
    target: str | None  # the file in the mirror (relative to ROOT), or None
    verdict: str  # secret | clean | error | missing | outside | external
    level: str | None = None

    def as_dict(self) -> dict:
        return {
            "href": self.href,
            "target": self.target,
            "verdict": self.verdict,
            "level": self.level,
        }


@dataclass
class Page:
    page: str
    result: FileResult
    links: list[Link] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "type": "page",
            "page": self.page,
            "verdict": self.result.verdict,
            "level": self.result.level,
            "error": self.result.error,
            "links": [link.as_dict() for link in self.links],
        }


@dataclass
class SiteReport:
    root: str
    pages: list[Page]
    files: dict[str, FileResult]  # relative path → result of every file (pages included)
    linked_from: dict[str, list[str]]  # relative path → pages that link to it

    def flagged_files(self) -> list[tuple[str, FileResult]]:
        pages = {p.page for p in self.pages}
        return [
            (rel, r)
            for rel, r in self.files.items()
            if rel not in pages and r.verdict in ("secret", "error")
        ]

    def exit_code(self) -> int:
        verdicts = {r.verdict for r in self.files.values()}
        return 2 if "error" in verdicts else 1 if "secret" in verdicts else 0


def _is_page(path: str) -> bool:
    from bmnn.scan.sniff import sniff

    try:
        with open(path, "rb") as f:
            head = f.read(_PAGE_HEAD)
    except OSError:
        return False
    return sniff(head, os.path.basename(path)) == "html"


def _page_links(path: str, max_bytes: int) -> list[str]:
    """The link targets of a page, in order, without duplicates."""
    import lxml.etree
    import lxml.html

    with open(path, "rb") as f:
        data = f.read(max_bytes)
    if not data.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError):
        return []
    seen, out = set(), []
    base = doc.find(".//base[@href]")
    base_href = base.get("href").strip() if base is not None else ""
    for _element, _attribute, link, _pos in doc.iterlinks():
        link = link.strip()
        if link and link not in seen:
            seen.add(link)
            out.append(link)
    return [base_href, *out]


def _join(page_url: str, path: str) -> str | None:
    """`path` resolved from the page's folder, like a browser, or None when it climbs above
    the site's root (posixpath.normpath and urljoin would silently stop at the root)."""
    if not path.startswith("/"):
        path = posixpath.dirname(page_url) + "/" + path
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                return None
            out.pop()
        else:
            out.append(part)
    return "/" + "/".join(out)


class _Resolver:
    def __init__(self, root: str, base_url: str | None) -> None:
        self.root = root
        self.own = None
        if base_url:
            parts = urlsplit(base_url)
            self.own = (parts.netloc.lower(), parts.path.rstrip("/"))

    def resolve(self, page_rel: str, base_href: str, href: str) -> tuple[str | None, str]:
        """(file relative to ROOT, verdict of the link when it is not a file's verdict)."""
        if href.startswith("#"):
            return None, "skip"
        parts = urlsplit(href)
        scheme = parts.scheme.lower()
        if scheme in _SKIP_SCHEMES:
            return None, "skip"
        page_url = "/" + page_rel
        if base_href:
            base = urlsplit(base_href)
            own_base = self._own_path(base)
            base_path = None
            if not base.scheme and not base.netloc:
                base_path = _join(page_url, base.path) if base.path else None
                base_path = base_path and base_path + ("/" if base.path.endswith("/") else "")
            elif own_base is not None:
                base_path = own_base
            if base_path:
                # A base "…/dir/" is a folder: links are taken from inside it.
                page_url = base_path + "_" if base_path.endswith("/") else base_path
        if scheme or parts.netloc:
            own = self._own_path(parts)
            if own is None:
                return None, "external"
            url_path = own
        else:
            url_path = parts.path or page_url
        path = _join(page_url, unquote(url_path))
        if path is None:
            return None, "outside"
        rel = path.strip("/")
        target = self._file(rel, parts.query, url_path.endswith("/"))
        return (target, "file") if target is not None else (rel or "/", "missing")

    def _own_path(self, parts) -> str | None:
        if self.own is None or parts.netloc.lower() != self.own[0]:
            return None
        path = parts.path or "/"
        prefix = self.own[1]
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            return None
        return path[len(prefix) :] or "/"

    def _file(self, rel: str, query: str, is_dir: bool) -> str | None:
        full = os.path.join(self.root, *rel.split("/")) if rel else self.root
        if query and not is_dir and os.path.isfile(f"{full}?{query}"):
            return f"{rel}?{query}"  # wget saves "download.php?id=3" under that name
        if os.path.isdir(full):
            for name in _INDEX_NAMES:
                if os.path.isfile(os.path.join(full, name)):
                    return posixpath.join(rel, name) if rel else name
            return None
        if not is_dir and os.path.isfile(full):
            return rel
        return None


def audit(root: str, config: ScanConfig, *, base_url: str | None = None) -> SiteReport:
    """Scan every file of the mirror, then resolve every page's links against the results."""
    root = os.path.realpath(root)
    files: dict[str, FileResult] = {}
    with Scanner(config) as scanner:
        for group in scanner.iter_groups([root]):
            top = group[0]
            rel = os.path.relpath(top.path, root).replace(os.sep, "/")
            files[rel] = top
    max_page = config.limits.max_file_bytes
    resolver = _Resolver(root, base_url)
    pages: list[Page] = []
    linked_from: dict[str, list[str]] = {}
    for rel, result in files.items():
        full = os.path.join(root, *rel.split("/"))
        if not os.path.isfile(full) or not _is_page(full):
            continue
        page = Page(rel, result)
        try:
            found = _page_links(full, max_page)
        except OSError:
            found = []
        base_href, hrefs = (found[0], found[1:]) if found else ("", [])
        for href in hrefs:
            target, kind = resolver.resolve(rel, base_href, href)
            if kind == "skip":
                continue
            if kind != "file":
                page.links.append(Link(href, target, kind))
                continue
            hit = files.get(target)
            if hit is None:  # a symbolic link inside the mirror: its target was scanned
                real = os.path.realpath(os.path.join(root, *target.split("/")))
                hit = files.get(os.path.relpath(real, root).replace(os.sep, "/"))
            if hit is None:  # in the mirror but not scanned (a link out of it): not clean
                page.links.append(Link(href, target, "error"))
                continue
            page.links.append(Link(href, target, hit.verdict, hit.level))
            pages_of = linked_from.setdefault(target, [])
            if rel not in pages_of:
                pages_of.append(rel)
        pages.append(page)
    return SiteReport(root, pages, files, linked_from)


_LEVEL_NAMES = {"mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}


def _verdict_text(verdict: str, level: str | None) -> str:
    if verdict == "secret":
        return f"MẬT ({_LEVEL_NAMES.get(level or '', 'không rõ độ')})"
    return {"error": "LỖI (không đọc được)", "clean": "sạch"}.get(verdict, verdict)


def _print_text(report: SiteReport) -> None:
    echo = typer.echo
    bad_pages = 0
    external = 0
    for page in report.pages:
        external += sum(1 for link in page.links if link.verdict == "external")
        problems = [link for link in page.links if link.verdict in ("secret", "error")]
        own_bad = page.result.verdict in ("secret", "error")
        if not problems and not own_bad:
            continue
        bad_pages += 1
        echo(f"Trang {page.page}: {_verdict_text(page.result.verdict, page.result.level)}")
        if page.result.error:
            echo(f"    lý do: {page.result.error}")
        for link in problems:
            verdict = _verdict_text(link.verdict, link.level)
            echo(f"    liên kết {link.href} → {link.target}: {verdict}")
    for rel, result in report.flagged_files():
        pages = report.linked_from.get(rel, [])
        where = f"được liên kết từ {len(pages)} trang" if pages else "không trang nào liên kết tới"
        echo(f"Tệp {rel}: {_verdict_text(result.verdict, result.level)} ({where})")
        if result.error:
            echo(f"    lý do: {result.error}")
    verdicts = [r.verdict for r in report.files.values()]
    echo(
        f"Đã quét {len(report.files)} tệp, {len(report.pages)} trang: "
        f"{verdicts.count('secret')} mật, {verdicts.count('error')} lỗi; "
        f"{bad_pages} trang cần xử lý; {external} liên kết ra trang ngoài không kiểm tra."
    )


def _print_jsonl(report: SiteReport) -> None:
    out = sys.stdout
    for page in report.pages:
        out.write(json.dumps(page.as_dict(), ensure_ascii=False) + "\n")
    for rel, result in report.flagged_files():
        line = {
            "type": "file",
            "path": rel,
            "verdict": result.verdict,
            "level": result.level,
            "error": result.error,
            "linked_from": report.linked_from.get(rel, []),
        }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def site(
    root: str = typer.Argument(..., help="Thư mục bản sao của trang web."),
    fmt: str = typer.Option("text", "--format", help="text hoặc jsonl."),
    base_url: str = typer.Option(
        None,
        "--base-url",
        help="Địa chỉ của chính trang web (liên kết tuyệt đối tới nó được kiểm tra).",
    ),
    workers: int = typer.Option(1, "--workers", help="Số tiến trình đọc tệp."),
    catalogue: str = typer.Option(None, "--catalogue", help="Danh mục bí mật (YAML/CSV)."),
    fingerprints: str = typer.Option(None, "--fingerprints", help="Gói dấu vân tay."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Không nhận dạng chữ trong ảnh."),
) -> None:
    """Kiểm tra bản sao trang web: trang nào liên kết tới tệp mật."""
    if fmt not in ("text", "jsonl"):
        typer.echo("--format phải là text hoặc jsonl.", err=True)
        raise typer.Exit(2)
    if not os.path.isdir(root):
        typer.echo(f"Không tìm thấy thư mục {root}.", err=True)
        raise typer.Exit(2)
    config = ScanConfig(
        workers=workers, catalogue=catalogue, fingerprints=fingerprints, ocr=not no_ocr
    )
    try:
        report = audit(root, config, base_url=base_url)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    (_print_jsonl if fmt == "jsonl" else _print_text)(report)
    raise typer.Exit(report.exit_code())
