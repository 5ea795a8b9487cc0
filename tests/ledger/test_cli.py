"""`bmnn verify`, `bmnn ledger export-key` and `bmnn ledger checkpoint` through typer's runner."""

import pytest
from typer.testing import CliRunner

from bmnn.cli import app
from bmnn.ledger import Signer, schema
from bmnn.web import ledger
from tests.ledger.conftest import Attacker, fill

pytestmark = pytest.mark.django_db

runner = CliRunner()


def test_verify_exits_0_then_1_after_tampering():
    target = fill(4)[1].seq
    intact = runner.invoke(app, ["verify"])
    assert intact.exit_code == 0, intact.output
    assert "toàn vẹn" in intact.output

    Attacker().sql(
        f"UPDATE {schema.EVENT_TABLE} SET payload = %s WHERE seq = %s", ['{"i":99}', target]
    )
    tampered = runner.invoke(app, ["verify"])
    assert tampered.exit_code == 1, tampered.output
    assert f"Sự kiện #{target} bị sửa" in tampered.output


def test_exported_key_verifies_and_a_foreign_key_does_not(tmp_path):
    fill(2)
    exported = runner.invoke(app, ["ledger", "export-key"])
    assert exported.exit_code == 0, exported.output
    assert ledger.status()["fingerprint"] in exported.output
    carried = tmp_path / "khoa-cong-khai.txt"
    carried.write_text(exported.output, encoding="utf-8")
    assert runner.invoke(app, ["verify", "--public-key", str(carried)]).exit_code == 0

    foreign = tmp_path / "khoa-khac.pem"
    foreign.write_text(Signer.generate().public_key_pem(), encoding="utf-8")
    wrong = runner.invoke(app, ["verify", "--public-key", str(foreign)])
    assert wrong.exit_code == 1
    assert "Sự kiện #1" in wrong.output


def test_checkpoint_command_signs_the_head():
    (event,) = fill(1)
    result = runner.invoke(app, ["ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert f"Checkpoint #{event.seq} " in result.output
    assert event.hash in result.output
