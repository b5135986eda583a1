"""The `gongzhi` command: friendly names map to management commands, help is bilingual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi.cli import COMMANDS, translate_argv

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["audit", "verify"], ["audit_verify"]),
        (["audit", "verify", "--verbosity", "2"], ["audit_verify", "--verbosity", "2"]),
        (["import-areas", "a.csv", "--only", "330903"], ["import_areas", "a.csv", "--only", "330903"]),
        (["demo", "--quiet-accounts"], ["demo", "--quiet-accounts"]),
        (["ensure-db"], ["ensure_db"]),
        (["worker"], ["db_worker"]),
        (["shell", "-c", "print(1)"], ["shell", "-c", "print(1)"]),  # any Django command passes through
    ],
)
def test_translate_argv(argv, expected):
    assert translate_argv(argv) == expected


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"], ["help"], ["audit"]])
def test_help(argv):
    assert translate_argv(argv) is None


def test_every_friendly_name_maps_to_a_real_command():
    from django.core.management import get_commands

    known = get_commands()
    for name, (command, zh, en) in COMMANDS.items():
        assert command in known, name
        assert zh and en


def _gongzhi() -> list[str]:
    script = ROOT / ".venv" / "bin" / "gongzhi"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gongzhi.cli"]


def test_help_is_chinese_and_english():
    env = {**os.environ, "GONGZHI_TESTING": "1"}
    result = subprocess.run(  # noqa: S603 - our own command
        [*_gongzhi(), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "用法 / usage: gongzhi" in out
    assert "校验审计哈希链 / verify the audit hash chain" in out
    assert "导入区划代码表 CSV / import division code CSV files" in out
    assert "Any other Django management command works too" in out
    for name in COMMANDS:
        assert f"  {name}" in out


def test_module_help_matches_the_script():
    env = {**os.environ, "GONGZHI_TESTING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "用法 / usage" in result.stdout


def _bare_env(var_dir: Path) -> dict[str, str]:
    """The environment of an operator's shell in a checkout: no GONGZHI_* settings at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "DATABASE_URL"}
    return {**env, "GONGZHI_VAR_DIR": str(var_dir)}


def test_commands_find_the_key_that_make_run_wrote(tmp_path):
    """After `make run` wrote var/secret_key, `gongzhi …` works in that checkout without exporting anything."""
    run = [*_gongzhi(), "check", "--deploy", "--fail-level", "CRITICAL"]
    refused = subprocess.run(run, capture_output=True, text=True, env=_bare_env(tmp_path), timeout=120, check=False)  # noqa: S603
    assert refused.returncode != 0 and "GONGZHI_SECRET_KEY is not set" in refused.stderr
    assert str(tmp_path / "secret_key") in refused.stderr
    (tmp_path / "secret_key").write_text("k" * 60 + "\n", encoding="utf-8")
    found = subprocess.run(run, capture_output=True, text=True, env=_bare_env(tmp_path), timeout=120, check=False)  # noqa: S603
    assert found.returncode == 0, found.stderr
