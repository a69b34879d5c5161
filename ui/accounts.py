"""Several reviewers, each with an account: a users file of `name:hash` lines, the hash scrypt's
(stdlib `hashlib.scrypt`, a random salt per user), checked in constant time for the page's login and
for HTTP Basic on /api/*. The single RAG_UI_USER / RAG_UI_PASSWORD login still works.

    python -m ui.accounts NAME >> users.txt     # asks for the password twice, prints the line
    RAG_UI_USERS=users.txt rag serve
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import InputError

N, R, P = 2**14, 8, 1
"""scrypt's cost: 16 MB and ~50 ms a check here, so guessing is slow and the throttle slower still."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(given.hex(), digest)


@dataclass(frozen=True)
class Accounts:
    """Who may log in: name -> stored hash (or, for the one env login, the password itself)."""

    hashes: dict[str, str] = field(default_factory=dict)
    plain: tuple[str, str] | None = None

    def check(self, name: str, password: str) -> bool:
        """The page's login and HTTP Basic both ask this; an unknown name costs as much as a known one."""
        ok = False
        if self.plain is not None:
            ok = hmac.compare_digest(name.encode(), self.plain[0].encode()) and hmac.compare_digest(
                password.encode(), self.plain[1].encode()
            )
        stored = self.hashes.get(name)
        matched = _matches(password, stored if stored is not None else hash_password("", salt=b"\0" * 16))
        return ok or (stored is not None and matched)

    @classmethod
    def from_file(cls, path: Path, plain: tuple[str, str] | None = None) -> Accounts:
        """`name:scrypt$…` per line; blank lines and # comments skipped; a malformed line is one error."""
        hashes: dict[str, str] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"RAG_UI_USERS: cannot read {path.name}") from exc
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, stored = line.partition(":")
            if not name or not stored.startswith("scrypt$") or stored.count("$") != 5:
                raise InputError(
                    f"RAG_UI_USERS: {path.name} line {number} is not name:scrypt$… (python -m ui.accounts)"
                )
            hashes[name] = stored
        return cls(hashes, plain)


def from_env() -> Accounts | None:
    """RAG_UI_USERS (a users file) and/or RAG_UI_USER + RAG_UI_PASSWORD; None: no login."""
    user, password = os.environ.get("RAG_UI_USER", ""), os.environ.get("RAG_UI_PASSWORD", "")
    plain = (user, password) if user and password else None
    users = os.environ.get("RAG_UI_USERS", "")
    if users:
        return Accounts.from_file(Path(users), plain)
    return Accounts(plain=plain) if plain else None


def main() -> int:
    if len(sys.argv) != 2 or ":" in sys.argv[1]:
        print("usage: python -m ui.accounts NAME  (prints NAME:hash for the users file)", file=sys.stderr)
        return 2
    first, second = getpass.getpass("密码: "), getpass.getpass("再输一次: ")
    if not first or first != second:
        print("两次输入的密码不一致（或为空）", file=sys.stderr)
        return 1
    print(f"{sys.argv[1]}:{hash_password(first)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
