from __future__ import annotations

import json
import unicodedata

import pytest
from typer.testing import CliRunner

from bmnn.scan.fingerprint import FingerprintPack, PackError, build_pack, words_of
from bmnn.scan.fingerprint_cli import app
from bmnn.scan.model import Block
from bmnn.scan.normalize import fold

from .fingerprint_fixtures import DISTINCTIVE, disguise, excerpt, secret_text, write_docx

SECRET = secret_text()
OTHER = secret_text(seed=99)


@pytest.fixture(scope="module")
def pack():
    return build_pack([("KH-12/2026", "toi_mat", SECRET), ("BC-3", "mat", OTHER)])


def _news_with(passage: str) -> str:
    return f"Tin tức hôm nay. Ủy ban nhân dân tỉnh họp bàn công tác. {passage} Hết tin."


def test_sixty_word_excerpt_retyped_is_found(pack):
    passage = disguise(excerpt(SECRET, 40, 60))
    assert unicodedata.is_normalized("NFD", passage) and passage != excerpt(SECRET, 40, 60)
    findings = pack.match(_news_with(passage))
    assert len(findings) == 1
    f = findings[0]
    assert f.rule == "fingerprint"
    assert f.level == "toi_mat"
    assert f.score == 0.95
    assert f.explanation.startswith("trùng ≥50 từ liên tiếp với tài liệu mật đã đăng ký #1")
    # The run counts words as the pack does (a two-syllable name is two words).
    assert f"({len(words_of(passage))} từ liên tiếp trùng" in f.explanation


def test_forty_nine_words_are_not_enough(pack):
    words = words_of(SECRET)
    passage = " ".join(words[100:149])
    assert len(words_of(passage)) == 49
    assert pack.match(_news_with(passage)) == []
    assert len(pack.match(" ".join(words[100:150]))) == 1


def test_diacritics_lost_still_match(pack):
    passage = fold(excerpt(SECRET, 200, 70))  # OCR or a keyboard without Vietnamese
    assert passage.isascii()
    assert [f.level for f in pack.match(passage)] == ["toi_mat"]


def test_unrelated_text_and_short_text(pack):
    assert pack.match(secret_text(seed=1234)) == []
    assert pack.match("") == []
    assert pack.match("mật " * 10) == []


def test_each_registered_document_reported_once_highest_first(pack):
    text = excerpt(OTHER, 0, 80) + " và " + excerpt(SECRET, 0, 55) + " " + excerpt(SECRET, 300, 90)
    findings = pack.match(text)
    assert [f.level for f in findings] == ["toi_mat", "mat"]
    assert "#2" in findings[1].explanation
    # The longest shared run of the secret is the 90-word one (≥ 90 words, names count twice).
    assert int(findings[0].explanation.split("(")[1].split()[0]) >= 90


def test_match_blocks_uses_the_scanner_text():
    pack = build_pack([("a", "mat", SECRET)])
    blocks = [Block(text=p, location=f"đoạn {i}") for i, p in enumerate(SECRET.split(" lực "))]
    assert [f.level for f in pack.match_blocks(blocks)] == ["mat"]


def test_save_load_roundtrip_and_no_readable_text(tmp_path, pack):
    path = tmp_path / "pack.bin"
    pack.save(path)
    assert path.stat().st_mode & 0o077 == 0
    loaded = FingerprintPack.load(path)
    assert len(loaded) == len(pack) and loaded.key == pack.key
    assert [f.level for f in loaded.match(excerpt(SECRET, 10, 60))] == ["toi_mat"]
    raw = path.read_bytes().lower()
    for word in (*DISTINCTIVE, "KH-12/2026", "biên giới", "tọa độ"):
        for form in {word, fold(word), unicodedata.normalize("NFD", word)}:
            for variant in (form, form.replace(" ", "")):
                assert variant.lower().encode() not in raw, variant
    # Without labels, document ids stay out of the pack: findings show only the number.
    assert "KH-12" not in loaded.match(excerpt(SECRET, 10, 60))[0].explanation


def test_labels_only_when_asked(tmp_path):
    pack = build_pack([("Hồ sơ 7", "mat", SECRET)], labels=True)
    pack.save(tmp_path / "p")
    f = FingerprintPack.load(tmp_path / "p").match(SECRET)[0]
    assert "«Hồ sơ 7»" in f.explanation


def test_same_key_same_hashes_other_key_other_hashes():
    key = b"k" * 32
    a = build_pack([("a", "mat", SECRET)], key=key)
    b = build_pack([("a", "mat", SECRET)], key=key)
    c = build_pack([("a", "mat", SECRET)])
    assert (a.hashes == b.hashes).all()
    assert not set(a.hashes.tolist()) & set(c.hashes.tolist())


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:],  # one byte flipped
        lambda b: b"PK\x03\x04" + b[4:],  # not a pack
        lambda b: b"",
    ],
)
def test_corrupt_pack_is_refused_clearly(tmp_path, pack, damage):
    path = tmp_path / "bad.bin"
    path.write_bytes(damage(pack.to_bytes()))
    with pytest.raises(PackError, match=r"bị hỏng|không phải gói"):
        FingerprintPack.load(path)


def test_other_version_is_refused(pack):
    import hashlib

    body = bytearray(pack.to_bytes()[:-32])
    body[7] = 9
    with pytest.raises(PackError, match="phiên bản 9"):
        FingerprintPack.from_bytes(bytes(body) + hashlib.sha256(body).digest())


def test_missing_pack_file(tmp_path):
    with pytest.raises(PackError, match="Không đọc được"):
        FingerprintPack.load(tmp_path / "none")


# ---- the command ------------------------------------------------------------------------


def test_command_builds_from_a_folder_of_documents(tmp_path):
    secrets = tmp_path / "mat"
    (secrets / "sub").mkdir(parents=True)
    paragraphs = [excerpt(SECRET, i, 40) for i in range(0, 400, 40)]
    write_docx(secrets / "kh.docx", ["TỐI MẬT", *paragraphs])
    (secrets / "sub" / "bc.txt").write_text(OTHER, encoding="utf-8")
    out = tmp_path / "pack.bin"
    index = tmp_path / "index.csv"
    result = CliRunner().invoke(
        app,
        ["--out", str(out), "--level", "mat", "--index-out", str(index), str(secrets)],
    )
    assert result.exit_code == 0, result.output
    assert "2 tài liệu" in result.output
    pack = FingerprintPack.load(out)
    # The "TỐI MẬT" mark of the docx is above --level mat: the mark wins.
    assert [f.level for f in pack.match(disguise(excerpt(SECRET, 35, 60)))] == ["toi_mat"]
    assert "#2" in pack.match(excerpt(OTHER, 5, 60))[0].explanation
    assert "kh.docx" in index.read_text(encoding="utf-8")
    assert b"kh.docx" not in out.read_bytes()


def test_command_takes_the_level_of_the_marks_when_not_given(tmp_path):
    folder = tmp_path / "mat"
    folder.mkdir()
    write_docx(folder / "a.docx", ["TUYỆT MẬT", SECRET])
    out = tmp_path / "p.bin"
    result = CliRunner().invoke(app, ["--out", str(out), "--format", "jsonl", str(folder)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert lines[0]["level"] == "tuyet_mat"
    assert FingerprintPack.load(out).match(SECRET)[0].level == "tuyet_mat"


def test_command_refuses_unreadable_files_and_writes_nothing(tmp_path):
    folder = tmp_path / "mat"
    folder.mkdir()
    (folder / "ok.txt").write_text(SECRET, encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "p.bin"
    result = CliRunner().invoke(app, ["--out", str(out), "--level", "mat", str(folder)])
    assert result.exit_code == 2
    assert "broken.docx" in result.output
    assert not out.exists()


def test_command_needs_a_level_for_unmarked_documents(tmp_path):
    folder = tmp_path / "mat"
    folder.mkdir()
    (folder / "plain.txt").write_text(SECRET, encoding="utf-8")
    result = CliRunner().invoke(app, ["--out", str(tmp_path / "p"), str(folder)])
    assert result.exit_code == 2
    assert "--level" in result.output


def test_command_warns_about_short_documents(tmp_path):
    folder = tmp_path / "mat"
    folder.mkdir()
    (folder / "short.txt").write_text("Ngắn quá.", encoding="utf-8")
    (folder / "long.txt").write_text(SECRET, encoding="utf-8")
    out = tmp_path / "p"
    result = CliRunner().invoke(app, ["--out", str(out), "--level", "mat", str(folder)])
    assert result.exit_code == 0, result.output
    assert "short.txt" in result.output and "50" in result.output


def test_legacy_encoded_copy_matches_through_the_blocks():
    """A copy typed in TCVN3 (.VnTime) matches once its blocks are decoded (document_text):
    the raw TCVN3 characters alone would not."""
    from bmnn.scan.encodings import unicode_to_tcvn3

    pack = build_pack([("a", "mat", SECRET)])
    legacy = unicode_to_tcvn3(excerpt(SECRET, 50, 70))
    assert pack.match(legacy) == []
    blocks = [Block(text=legacy, location="đoạn 1", font=".VnTime")]
    assert [f.level for f in pack.match_blocks(blocks)] == ["mat"]
