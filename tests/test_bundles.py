"""Issue 28: a folder zipped by a reviewer is uploaded as one .zip; each report inside is indexed under
the name it had, the rest named with the reason; the zip's limits are those of every zip read here."""

from __future__ import annotations

import zipfile
from pathlib import Path

from rag.ingest.bundles import unpack
from rag.service import Service
from tests.conftest import SMALL_REPORT


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_the_reports_in_a_zip_are_indexed_under_their_own_names(index_copy: Path, tmp_path: Path, e5: object) -> None:
    other = SMALL_REPORT.replace("测试区", "压缩区")
    bundle = _zip(
        tmp_path / "报告合集.zip",
        {
            "合集/下载 (1).txt": SMALL_REPORT.encode(),
            "合集/子目录/压缩区报告.txt": other.encode("gb18030"),
            "合集/说明.xlsx": b"PK not a report",
            "__MACOSX/._下载 (1).txt": b"fork",
        },
    )
    service = Service(index_copy, encoder=e5)  # type: ignore[arg-type]
    outcome = service.add_uploads([("报告合集.zip", bundle)])
    assert set(outcome.indexed) == {"下载 (1).txt", "压缩区报告.txt"}, outcome
    assert [name for name, _ in outcome.skipped] == ["报告合集.zip › 说明.xlsx"]
    units = {d.unit for d in service.retriever.documents}
    assert {"测试区人民政府办公室", "压缩区人民政府办公室"} <= units
    found = service._find("下载 (1).txt")  # the name the page shows is the name every API accepts
    assert found.unit == "测试区人民政府办公室"


def test_a_zip_that_inflates_past_the_limit_or_is_no_zip_is_one_line(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "b.zip", {"a.txt": b"0" * (3 * 1024 * 1024), "b.txt": b"1" * (3 * 1024 * 1024)})
    found, skipped = unpack(bomb, "b.zip", tmp_path / "out", max_member_bytes=2 * 1024 * 1024)
    assert found == [] and [why for _, why in skipped] == ["larger than 2 MB", "larger than 2 MB"]
    fake = tmp_path / "f.zip"
    fake.write_bytes(b"not a zip at all")
    found, skipped = unpack(fake, "f.zip", tmp_path / "out2", max_member_bytes=1024)
    assert found == [] and skipped == [("f.zip", "not a readable zip (not a zip file)")]
    assert not any((tmp_path / "out").glob("*"))  # nothing of a refused member is left


def test_an_upload_shows_each_files_state_and_an_estimate() -> None:
    from ui.manage import Watch, watched

    watch = Watch(3)
    watch.heard("file 1/3 甲.txt: reading reports", 0, 1)
    assert "| 甲.txt | 读取报告 |" in watch.table() and "另有 2 个文件排队" in watch.table()
    watch.heard("file 2/3 乙.txt: embedding passages", 4, 10)
    table = watch.table()
    assert "| 甲.txt | 完成 |" in table and "| 乙.txt | 生成向量 4/10 |" in table and "预计还需约" in table
    steps = list(watched(lambda told: (told("file 1/1 丙.txt: reading reports", 0, 1), 42)[1], 1))
    assert steps[-1] == ("", 42)


def test_an_error_in_the_upload_reaches_the_page_handler() -> None:
    import pytest

    from rag.errors import InputError
    from ui.manage import watched

    def fails(told: object) -> None:
        raise InputError("--index: index is being built")

    with pytest.raises(InputError, match="being built"):
        list(watched(fails, 1))
