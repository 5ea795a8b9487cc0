"""Zip archives: members, names, and the hostile ones (bombs, lying sizes, too many members,
encryption, truncation), all built by the tests."""

from __future__ import annotations

import contextlib
import io
import resource
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.extract.archive import count_central_records
from bmnn.scan.extract.archive import extract as extract_zip
from bmnn.scan.limits import MB, Limits
from bmnn.scan.model import LimitExceeded, ScanError
from bmnn.scan.sniff import sniff
from tests.scan.mail_fixtures import (
    SECRET_LINE,
    docx_text,
    make_docx,
    make_zip,
    patch_entry_count,
    patch_member,
    zip_of_zeros,
)


def ctx(**limits) -> Context:
    return Context(limits=Limits(**limits), name="hoso.zip")


def test_registered_for_zip():
    assert extractor_for("zip") is extract_zip


def test_nested_zip_members_and_names():
    report = make_docx(SECRET_LINE, "Báo cáo")
    inner = make_zip({"b/c.docx": report})
    outer = make_zip(
        {
            "docs/a.txt": b"van ban",
            "inner.zip": inner,
            "dir\\windows.txt": b"windows",
            "Báo cáo.txt": "Nội dung".encode(),
            "../../etc/passwd": b"just a name",
        },
        comment="Hồ sơ lưu trữ".encode(),
        dirs=("empty/",),
    )
    assert sniff(outer) == "zip"
    doc = extract_zip(outer, ctx())
    names = [m.name for m in doc.members]
    assert names == [
        "docs/a.txt",
        "inner.zip",
        "dir/windows.txt",
        "Báo cáo.txt",
        "../../etc/passwd",
    ]
    assert doc.members[0].data == b"van ban"
    assert [(b.text, b.part) for b in doc.blocks] == [("Hồ sơ lưu trữ", "metadata")]
    inner_doc = extract_zip(doc.members[1].data, ctx())
    assert [m.name for m in inner_doc.members] == ["b/c.docx"]
    assert inner_doc.members[0].data == report
    assert SECRET_LINE in docx_text(inner_doc.members[0].data)


def test_utf8_name_without_the_utf8_flag():
    data = patch_member(make_zip({"Báo cáo.txt": b"x"}), "Báo cáo.txt", flag_clear=0x800)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() != ["Báo cáo.txt"]  # cp437 garbage
    assert [m.name for m in extract_zip(data, ctx()).members] == ["Báo cáo.txt"]


def test_duplicate_names_get_their_own_member():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", b"one")
        with pytest.warns(UserWarning):
            z.writestr("a.txt", b"two")
    doc = extract_zip(buf.getvalue(), ctx())
    assert [(m.name, m.data) for m in doc.members] == [("a.txt", b"one"), ("a (2).txt", b"two")]


def test_stored_and_bzip2_members_are_read():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("stored.txt", b"stored " * 100, compress_type=zipfile.ZIP_STORED)
        z.writestr("bz.txt", b"bzip2 " * 100, compress_type=zipfile.ZIP_BZIP2)
    doc = extract_zip(buf.getvalue(), ctx())
    assert {m.name: m.data for m in doc.members} == {
        "stored.txt": b"stored " * 100,
        "bz.txt": b"bzip2 " * 100,
    }


def test_zip_bomb_is_refused_before_decompression():
    bomb = zip_of_zeros(200 * MB)
    assert len(bomb) < 1 * MB
    with pytest.raises(LimitExceeded, match="tỉ lệ nén"):
        extract_zip(bomb, ctx())
    # with the ratio guard off, the declared total still stops it before reading
    with pytest.raises(LimitExceeded, match="bom nén"):
        extract_zip(bomb, ctx(max_ratio=10**9, max_unpacked_bytes=50 * MB))
    with pytest.raises(LimitExceeded, match="quá lớn"):
        extract_zip(bomb, ctx(max_ratio=10**9, max_file_bytes=100 * MB))


def test_bomb_that_lies_about_its_size_stops_at_the_declared_size():
    bomb = patch_member(zip_of_zeros(200 * MB), "zeros.bin", file_size=1000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LimitExceeded, match="khai sai"):
        extract_zip(bomb, ctx())
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 64 * 1024  # decompression stopped at the declared size, not 200 MB


def test_member_lying_about_its_size():
    text = "Nội dung dài ".encode() * 1000
    larger = patch_member(make_zip({"a.txt": text}), "a.txt", file_size=100)
    with pytest.raises(LimitExceeded, match=r"'a\.txt'"):
        extract_zip(larger, ctx())
    smaller = patch_member(make_zip({"a.txt": text}), "a.txt", file_size=len(text) + 10)
    with pytest.raises(ScanError, match="khai"):
        extract_zip(smaller, ctx())


def test_budget_left_by_the_engine_is_kept():
    data = make_zip({f"f{i}.txt": bytes([65 + i]) * 4000 for i in range(5)})
    assert len(extract_zip(data, ctx(max_unpacked_bytes=20_000)).members) == 5
    with pytest.raises(LimitExceeded):
        extract_zip(data, ctx(max_unpacked_bytes=19_999))


def test_too_many_members():
    data = make_zip({f"f{i}.txt": b"x" for i in range(6)})
    assert len(extract_zip(data, ctx(max_members=6)).members) == 6
    with pytest.raises(LimitExceeded, match="quá nhiều"):
        extract_zip(data, ctx(max_members=5))


def test_end_record_lying_about_the_member_count():
    data = patch_entry_count(make_zip({f"f{i}.txt": b"x" for i in range(20)}), 1)
    assert count_central_records(data, 5) > 5
    with pytest.raises(LimitExceeded, match="quá nhiều"):
        extract_zip(data, ctx(max_members=5))


def test_encrypted_member_names_the_member():
    data = make_zip({"mo.txt": b"open", "bi-mat.docx": make_docx("x")})
    data = patch_member(data, "bi-mat.docx", flag_set=0x1)
    with pytest.raises(ScanError, match=r"'bi-mat\.docx'.*mã hóa") as exc:
        extract_zip(data, ctx())
    assert not isinstance(exc.value, LimitExceeded)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_truncated_zip(cut):
    data = make_zip({"a.txt": "Nội dung ".encode() * 500, "b.docx": make_docx(SECRET_LINE)})
    with pytest.raises(ScanError):
        extract_zip(data[: int(len(data) * cut)], ctx())


def test_corrupted_member_data_fails_its_crc():
    data = bytearray(make_zip({"a.txt": b"abcdefgh" * 10}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", b"abcdefgh" * 10, compress_type=zipfile.ZIP_STORED)
    data = bytearray(buf.getvalue())
    data[30 + len("a.txt") + 3] ^= 0xFF
    with pytest.raises(ScanError, match="CRC"):
        extract_zip(bytes(data), ctx())


def test_not_a_zip():
    with pytest.raises(ScanError):
        extract_zip(b"PK\x03\x04 but nothing else", ctx())
    with pytest.raises(ScanError):
        extract_zip(b"", ctx())


def test_empty_zip_has_no_members():
    doc = extract_zip(make_zip({}), ctx())
    assert doc.members == [] and doc.blocks == []


def _valid_zip() -> bytes:
    return make_zip(
        {"a.txt": "Văn bản ".encode() * 50, "inner.zip": make_zip({"b.txt": b"b" * 300})},
        comment=b"c",
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10**6),
)
def test_fuzz_mutated_zip_raises_only_scan_error(flips, cut):
    data = bytearray(_VALID)
    for pos, value in flips:
        data[pos % len(data)] = value
    data = bytes(data[: max(1, cut % (len(data) + 1))])
    try:
        doc = extract_zip(data, ctx())
    except ScanError:
        return
    assert all(isinstance(m.data, bytes) for m in doc.members)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes_raise_only_scan_error(blob):
    for data in (blob, b"PK\x03\x04" + blob, blob + b"PK\x05\x06" + bytes(18)):
        with contextlib.suppress(ScanError):
            extract_zip(data, ctx())


_VALID = _valid_zip()


def test_zip64_end_record_is_understood():
    # over 65535 members zipfile writes the zip64 end records; the count comes from there
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(0x10000 + 5):
            z.writestr(zipfile.ZipInfo(f"{i}"), b"")
    data = buf.getvalue()
    assert b"PK\x06\x06" in data
    assert count_central_records(data, 10) == 0x10000 + 5
    with pytest.raises(LimitExceeded, match="quá nhiều"):
        extract_zip(data, ctx())
    assert len(extract_zip(data, ctx(max_members=100_000)).members) == 0x10000 + 5
