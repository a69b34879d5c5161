from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import load_report
from tests.conftest import SEEDS, SMALL_REPORT, write_report

EXPECTED = {
    "000": ("源城区人民政府办公室", 2025, "2026-02-03"),
    "001": ("霞山区人民政府办公室", 2025, "2025-12-19"),
    "002": ("河东区政府办公室", 2024, "2025-02-13"),
    "003": ("浈江区车站街道办事处", 2025, "2026-01-23"),
    "004": ("河源市源城区埔前镇人民政府", 2024, "2025-01-02"),
}
CHROME = [
    "繁体版",
    "网站支持IPv6",
    "分享",
    "字号",
    "【打印】",
    "索引号",
    "索 引 号",
    "浏览次数",
    "打开微信扫一扫",
    "政务微信",
    "当前位置",
    "首页 >",
    "发布机构",
    "附件:",
]


class TestSeedMetadata:
    @pytest.mark.parametrize("prefix", sorted(EXPECTED))
    def test_unit_year_and_date_are_read_from_the_text(self, prefix: str) -> None:
        path = next(SEEDS.glob(f"{prefix}_*.txt"))
        r = load_report(path)
        assert (r.unit, r.year, r.published) == EXPECTED[prefix]
        assert r.source == str(path)

    def test_report_year_is_the_year_reported_on_not_published(self) -> None:
        r = load_report(next(SEEDS.glob("004_*.txt")))
        assert r.title == "埔前镇2024年法治政府建设年度报告"
        assert r.year == 2024 and r.published.startswith("2025")

    def test_untitled_report_takes_unit_from_field_and_year_from_body(self) -> None:
        r = load_report(next(SEEDS.glob("002_*.txt")))
        assert r.unit == "河东区政府办公室" and r.year == 2024
        assert r.text.startswith("2024年,在区委")

    @pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
    def test_page_chrome_never_reaches_the_text(self, path: Path) -> None:
        text = load_report(path).text
        for line in text.splitlines():
            if len(line) < 80:
                assert not any(c in line for c in CHROME), line

    def test_repeated_title_is_kept_once(self) -> None:
        r = load_report(next(SEEDS.glob("003_*.txt")))
        assert r.text.count("浈江区车站街道办事处2025年法治政府建设年度报告") == 1


class TestEncodings:
    def test_gb18030_report_decodes_without_mojibake(self, tmp_path: Path) -> None:
        r = load_report(write_report(tmp_path, "gbk.txt", SMALL_REPORT, encoding="gb18030"))
        assert r.unit == "测试区人民政府办公室" and "主动公开政府信息1234条" in r.text

    def test_utf8_with_bom_decodes(self, tmp_path: Path) -> None:
        r = load_report(write_report(tmp_path, "bom.txt", SMALL_REPORT, encoding="utf-8-sig"))
        assert r.title.startswith("测试区") and not r.text.startswith("\ufeff")


class TestFormats:
    def test_html_main_text_is_kept_and_chrome_dropped(self, tmp_path: Path) -> None:
        body = "".join(f"<p>{line}</p>" for line in SMALL_REPORT.splitlines()[4:])
        html = f"""<html><head><title>测试区人民政府办公室2025年法治政府建设年度报告_测试区政府网</title>
        <script>var x = 1;</script></head><body>
        <div class="nav"><a>首页</a><a>政务公开</a><a>网上办事</a></div>
        <table class="xxgk"><tr><td>发布机构:</td><td>测试区人民政府办公室</td></tr></table>
        <div class="share-bar">分享到: 微信 微博</div>
        <div class="article-content"><h1>测试区人民政府办公室2025年法治政府建设年度报告</h1>{body}</div>
        <div class="footer">版权所有 测试区人民政府 网站标识码 123</div></body></html>"""
        r = load_report(write_report(tmp_path, "page.html", html))
        assert r.unit == "测试区人民政府办公室" and r.year == 2025
        assert "主动公开政府信息1234条" in r.text
        for junk in ("网上办事", "微博", "版权所有", "var x"):
            assert junk not in r.text

    def test_pdf_text_layer_is_read(self, tmp_path: Path) -> None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        path = tmp_path / "r.pdf"
        c = canvas.Canvas(str(path))
        c.setFont("STSong-Light", 11)
        for i, line in enumerate(SMALL_REPORT.splitlines()):
            c.drawString(40, 800 - 18 * i, line)
        c.save()
        r = load_report(path)
        assert r.unit == "测试区人民政府办公室"
        assert "共调处矛盾纠纷40宗,调解成功38宗。" in r.text

    def test_docx_paragraphs_are_read(self, tmp_path: Path) -> None:
        import docx

        d = docx.Document()
        for line in SMALL_REPORT.splitlines():
            d.add_paragraph(line)
        path = tmp_path / "r.docx"
        d.save(str(path))
        r = load_report(path)
        assert r.unit == "测试区人民政府办公室" and "组织法治讲座7场" in r.text


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "data", "reason"),
        [
            ("empty.txt", b"", "empty file"),
            ("blob.txt", bytes(range(256)) * 20, "binary"),
            ("notes.xyz", "测试".encode(), "unsupported file type"),
            ("fake.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
            ("fake.docx", b"PK\x03\x04 not a docx", "not a readable .docx"),
        ],
    )
    def test_bad_file_gives_one_line_error_naming_it(self, tmp_path: Path, name: str, data: bytes, reason: str) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as info:
            load_report(path)
        message = str(info.value)
        assert message.startswith(str(path)) and reason in message and "\n" not in message


def test_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from rag.ingest import MAX_FILE_BYTES

    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: costs no disk or memory
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputError, match=r"huge.txt: file too large \(100 MB; limit 100 MB\)"):
        load_report(path)
