from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bmnn.scan.engine import ScanConfig
from bmnn.scan.site import app, audit

from .fingerprint_fixtures import secret_text, write_pdf


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    (root / "files").mkdir()
    (root / "tin").mkdir()
    write_pdf(root / "files" / "ke-hoach.pdf", ["TỐI MẬT", "Số: 12/KH-BCH", secret_text(80)])
    write_pdf(root / "files" / "ke hoach 2.pdf", ["MẬT", "Số: 3/KH", secret_text(80, seed=2)])
    write_pdf(root / "files" / "thong-bao.pdf", ["Thông báo lịch tiếp dân", secret_text(60, 5)])
    write_pdf(root / "files" / "cu.pdf", ["TUYỆT MẬT", "Số: 1/BC", secret_text(60, seed=9)])
    (root / "files" / "hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")  # truncated
    links = "".join(
        f'<p><a href="{href}">liên kết</a></p>'
        for href in (
            "files/ke-hoach.pdf",
            "/files/thong-bao.pdf",
            "files/ke%20hoach%202.pdf#trang2",
            "https://example.com/tai-lieu.pdf",
            "https://portal.gov.vn/files/ke-hoach.pdf",
            "mailto:vanthu@portal.gov.vn",
            "#dau-trang",
            "khong-co.pdf",
            "../../etc/passwd",
            "tin/",
            "files/ke-hoach.pdf",  # twice: listed once
        )
    )
    (root / "index.html").write_text(_page("Trang chủ", links), encoding="utf-8")
    (root / "tin" / "index.html").write_text(
        _page("Tin tức", '<a href="../files/thong-bao.pdf">Thông báo</a><a href="a.html">a</a>'),
        encoding="utf-8",
    )
    (root / "tin" / "a.html").write_text(
        _page("Bài viết", '<img src="../files/hong.pdf"><a href="../index.html">Về đầu</a>'),
        encoding="utf-8",
    )
    (root / "tin" / "mat.html").write_text(
        _page("TỐI MẬT", "<p>TỐI MẬT</p><p>Số: 5/KH-UBND</p><p>Kế hoạch bảo vệ.</p>"),
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def report(mirror):
    return audit(str(mirror), ScanConfig(ocr=False), base_url="https://portal.gov.vn/")


def _links(report, page):
    found = next(p for p in report.pages if p.page == page)
    return {link.href: (link.target, link.verdict, link.level) for link in found.links}


def test_links_resolved_and_judged(report):
    links = _links(report, "index.html")
    assert links["files/ke-hoach.pdf"] == ("files/ke-hoach.pdf", "secret", "toi_mat")
    assert links["/files/thong-bao.pdf"] == ("files/thong-bao.pdf", "clean", None)
    assert links["files/ke%20hoach%202.pdf#trang2"] == ("files/ke hoach 2.pdf", "secret", "mat")
    assert links["https://example.com/tai-lieu.pdf"] == (None, "external", None)
    assert links["https://portal.gov.vn/files/ke-hoach.pdf"][1:] == ("secret", "toi_mat")
    assert links["khong-co.pdf"] == ("khong-co.pdf", "missing", None)
    assert links["../../etc/passwd"] == (None, "outside", None)
    assert links["tin/"][0] == "tin/index.html"
    assert "mailto:vanthu@portal.gov.vn" not in links and "#dau-trang" not in links
    assert len(links) == 8  # the repeated link once, mailto and the anchor left out


def test_relative_links_of_a_subfolder(report):
    assert _links(report, "tin/index.html")["../files/thong-bao.pdf"][1] == "clean"
    links = _links(report, "tin/a.html")
    assert links["../files/hong.pdf"][1] == "error"  # unreadable is not clean
    assert links["../index.html"][0] == "index.html"


def test_pages_and_files_verdicts(report):
    pages = {p.page: p.result.verdict for p in report.pages}
    assert set(pages) == {"index.html", "tin/index.html", "tin/a.html", "tin/mat.html"}
    assert pages["tin/mat.html"] == "secret"
    assert pages["index.html"] == "clean"
    flagged = dict((rel, r.verdict) for rel, r in report.flagged_files())
    assert flagged == {
        "files/ke-hoach.pdf": "secret",
        "files/ke hoach 2.pdf": "secret",
        "files/cu.pdf": "secret",  # linked from nowhere, still on the server
        "files/hong.pdf": "error",
    }
    assert report.linked_from["files/ke-hoach.pdf"] == ["index.html"]
    assert "files/cu.pdf" not in report.linked_from
    assert report.exit_code() == 2


def test_jsonl_command(mirror):
    result = CliRunner().invoke(app, [str(mirror), "--format", "jsonl"])
    assert result.exit_code == 2, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    pages = {x["page"]: x for x in lines if x["type"] == "page"}
    files = {x["path"]: x for x in lines if x["type"] == "file"}
    index_links = {link["href"]: link for link in pages["index.html"]["links"]}
    assert set(index_links["files/ke-hoach.pdf"]) == {"href", "target", "verdict", "level"}
    assert index_links["files/ke-hoach.pdf"]["verdict"] == "secret"
    # Without --base-url, a full address of the site itself is not checked.
    assert index_links["https://portal.gov.vn/files/ke-hoach.pdf"]["verdict"] == "external"
    assert pages["tin/mat.html"]["level"] == "toi_mat"
    assert files["files/cu.pdf"]["linked_from"] == []
    assert files["files/hong.pdf"]["error"]


def test_text_command_names_the_pages(mirror):
    result = CliRunner().invoke(app, [str(mirror)])
    assert result.exit_code == 2
    assert "Trang index.html" in result.output
    assert "files/ke-hoach.pdf" in result.output and "Tối mật" in result.output
    assert "Tệp files/cu.pdf" in result.output


def test_clean_and_secret_sites_exit_codes(tmp_path):
    (tmp_path / "index.html").write_text(
        _page("Trang chủ", '<a href="tb.pdf">Thông báo</a>'), encoding="utf-8"
    )
    write_pdf(tmp_path / "tb.pdf", ["Thông báo", secret_text(40, seed=4)])
    assert CliRunner().invoke(app, [str(tmp_path)]).exit_code == 0
    write_pdf(tmp_path / "tb.pdf", ["TỐI MẬT", "Số: 8/TB", secret_text(40, seed=4)])
    assert CliRunner().invoke(app, [str(tmp_path)]).exit_code == 1


def test_missing_root(tmp_path):
    result = CliRunner().invoke(app, [str(tmp_path / "none")])
    assert result.exit_code == 2
