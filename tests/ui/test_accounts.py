"""Issue 28: several reviewers, from a users file of scrypt hashes; each with their own conversation;
the single RAG_UI_USER/RAG_UI_PASSWORD login still works."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from rag.errors import InputError
from tests.conftest import serving_app
from ui.accounts import Accounts, from_env, hash_password


def _basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "users.txt"
    lines = ["# reviewers", f"王审核:{hash_password('甲-密码-1')}", f"li:{hash_password('second pass')}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_passwords_are_stored_as_salted_scrypt_and_checked(users: Path) -> None:
    accounts = Accounts.from_file(users)
    assert "甲-密码-1" not in users.read_text(encoding="utf-8") and users.read_text().count("scrypt$") == 2
    assert hash_password("x") != hash_password("x")  # a salt of its own each time
    assert accounts.check("王审核", "甲-密码-1") and accounts.check("li", "second pass")
    assert not accounts.check("王审核", "second pass") and not accounts.check("nobody", "甲-密码-1")
    assert not accounts.check("li", "")


def test_a_malformed_users_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "users.txt"
    bad.write_text("王审核:plaintext\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"users.txt line 1 is not name:scrypt"):
        Accounts.from_file(bad)


def test_the_env_login_and_the_file_work_together(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_UI_USERS", str(users))
    monkeypatch.setenv("RAG_UI_USER", "admin")
    monkeypatch.setenv("RAG_UI_PASSWORD", "admin-pass")
    accounts = from_env()
    assert accounts is not None and accounts.check("admin", "admin-pass") and accounts.check("li", "second pass")
    monkeypatch.delenv("RAG_UI_USERS")
    only = from_env()
    assert only is not None and only.check("admin", "admin-pass") and not only.check("li", "second pass")


def test_each_account_reaches_the_api_and_the_page_and_no_other_password_does(users: Path, live_server: tuple) -> None:
    from ui.server import create_app

    with serving_app(create_app(live_server[1], auth=Accounts.from_file(users))) as url:
        assert httpx.get(f"{url}/api/health").status_code == 401
        assert httpx.get(f"{url}/api/health", headers=_basic("王审核", "甲-密码-1")).status_code == 200
        assert httpx.get(f"{url}/api/health", headers=_basic("li", "second pass")).status_code == 200
        assert httpx.get(f"{url}/api/health", headers=_basic("li", "甲-密码-1")).status_code == 401
        page = httpx.post(f"{url}/login", data={"username": "li", "password": "second pass"})
        assert page.status_code == 200 and "access-token" in "".join(page.cookies.keys())
