"""Knowledge-base fixtures: attachments go to a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User


@pytest.fixture()
def kb_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from minwon.config import get_settings

    folder = tmp_path / "kb-files"
    monkeypatch.setenv("MINWON_KB_FILES_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    monkeypatch.delenv("MINWON_KB_FILES_DIR")
    get_settings.cache_clear()


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from minwon.accounts.service import hash_password
    from tests.factories import PASSWORD

    return hash_password(PASSWORD)


def staff(db: Session, username: str, role: str = "counselor", department_id: int | None = None) -> User:
    """An account that signs in with ``tests.factories.PASSWORD``; the Argon2 hash is computed once per
    run (this suite makes many accounts; each hash costs most of a second on a loaded machine)."""
    user = User(
        username=username,
        display_name=username,
        password_hash=_password_hash(),
        role=Role(role),
        department_id=department_id,
        locale="ko",
    )
    db.add(user)
    db.commit()
    return user
