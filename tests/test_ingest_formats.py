"""Formats as users have them, each made from a real report: .doc/.wps (antiword), .ofd (zipped XML), a
scanned PDF (tesseract OCR), HTML with <title>/meta, DOCX core properties; a clear line when a reader is missing."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from rag.errors import InputError
from rag.ingest import load_report
from rag.ingest.formats import join_broken_words
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"
XIAOTAO = REAL / "fazhi-web" / "永安市小陶镇人民政府2024年法治政府建设情况报告.txt"
RENHE = REAL / "fazhi-web" / "仁和镇人民政府关于2024年度法治政府建设工作的报告.txt"


def real_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class TestWord97:
    def test_doc_converted_from_a_real_report_is_read(self) -> None:
        r = load_report(REAL / "doc" / "2025年吉林省政府工作报告.doc")
        assert (r.unit, r.year, r.title_year, r.kind) == ("吉林省人民政府", 2024, 2025, "政府工作报告")
        assert "各位代表" in r.text

    def test_wps_file_of_the_same_kind_is_read(self, tmp_path: Path) -> None:
        wps = tmp_path / "下载 (2).wps"
        shutil.copyfile(REAL / "doc" / "2025年吉林省政府工作报告.doc", wps)
        r = load_report(wps)
        assert r.unit == "吉林省人民政府" and dict(r.cues)["unit"] == "title"

    def test_without_antiword_one_line_says_what_to_do(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(InputError) as info:
            load_report(REAL / "doc" / "2025年吉林省政府工作报告.doc")
        message = str(info.value)
        assert "antiword" in message and "convert to .docx or .pdf" in message and "\n" not in message


def make_ofd(path: Path, lines: list[str], *, title: str = "") -> None:
    """A minimal OFD (GB/T 33190) document: one TextObject per line, laid out top to bottom."""
    ns = "http://www.ofdspec.org/2016"
    info = f"<ofd:DocInfo><ofd:Title>{escape(title)}</ofd:Title></ofd:DocInfo>" if title else "<ofd:DocInfo/>"
    objects = "".join(
        f'<ofd:TextObject ID="{i + 10}" Boundary="20 {20 + 8 * i} 170 7" Font="1" Size="5">'
        f'<ofd:TextCode X="0" Y="5">{escape(line)}</ofd:TextCode></ofd:TextObject>'
        for i, line in enumerate(lines)
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "OFD.xml",
            f'<ofd:OFD xmlns:ofd="{ns}" Version="1.1" DocType="OFD"><ofd:DocBody>{info}'
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        zf.writestr(
            "Doc_0/Document.xml",
            f'<ofd:Document xmlns:ofd="{ns}"><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
            "</ofd:Pages></ofd:Document>",
        )
        zf.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="2">{objects}</ofd:Layer></ofd:Content></ofd:Page>',
        )


class TestOfd:
    def test_real_report_as_ofd_is_read_with_its_metadata(self, tmp_path: Path) -> None:
        path = tmp_path / "t20250101_1.ofd"
        make_ofd(path, real_lines(XIAOTAO))
        r = load_report(path)
        assert (r.unit, r.year, r.kind) == ("永安市小陶镇人民政府", 2024, "法治政府建设年度报告")
        assert "小陶镇党委、政府高度重视法治政府建设工" in r.text

    def test_ofd_document_title_is_a_cue(self, tmp_path: Path) -> None:
        path = tmp_path / "scan.ofd"
        body = [line for line in real_lines(RENHE)[2:]]  # without the two title lines
        make_ofd(path, body, title="仁和镇人民政府关于2024年度法治政府建设工作的报告")
        r = load_report(path)
        assert r.unit == "仁和镇人民政府" and dict(r.cues)["unit"] == "ofd_title"

    def test_broken_ofd_is_one_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.ofd"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "no OFD.xml here")
        with pytest.raises(InputError, match=r"bad.ofd: not a readable .ofd .*convert to .docx or .pdf"):
            load_report(path)


class TestPdf:
    def test_scanned_pdf_is_read_by_ocr(self) -> None:
        r = load_report(REAL / "pdf" / "scan-0001.pdf")
        assert (r.unit, r.year, r.kind) == ("上海市普陀区财政局", 2024, "部门决算")
        assert "主管全区财政工作" in r.text
        assert any("OCR" in w for w in r.warnings)

    def test_scanned_pdf_without_tesseract_is_one_clear_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(InputError) as info:
            load_report(REAL / "pdf" / "scan-0001.pdf")
        assert "no text layer" in str(info.value) and "tesseract" in str(info.value) and "\n" not in str(info.value)

    def test_spaces_pypdf_puts_inside_words_are_dropped_and_table_gaps_kept(self) -> None:
        # lines pypdf extracted from the real 上海市普陀区财政局2024年度部门决算.pdf
        raw = "项目 本年支出合 计 基本支出 项目支 出 上缴上级支 出 经营支 出 对附属单位 补 助支出"
        # a lone character joins the word on its left: "补 助支出" stays split (a known limit, see the note)
        assert join_broken_words(raw) == "项目 本年支出合计 基本支出 项目支出 上缴上级支出 经营支出 对附属单位补 助支出"
        assert join_broken_words("序号 单位名称 备注") == "序号 单位名称 备注"


class TestHtmlAndDocx:
    def test_html_title_and_breadcrumb_page(self, tmp_path: Path) -> None:
        body = "".join(f"<p>{escape(line)}</p>" for line in real_lines(RENHE)[2:])
        page = (
            "<html><head><title>仁和镇人民政府关于2024年度法治政府建设工作的报告_政务公开</title>"
            '<meta name="SiteName" content="南阳市人民政府"></head><body>'
            '<div class="breadcrumb">首页 > 政务公开 > 法治政府建设</div>'
            f'<div class="article-content">{body}</div><div class="share">分享到：</div></body></html>'
        )
        path = tmp_path / "index.html"
        path.write_text(page, encoding="utf-8")
        r = load_report(path)
        assert (r.unit, r.year, dict(r.cues)["unit"]) == ("仁和镇人民政府", 2024, "html_title")
        assert "首页" not in r.text and "分享" not in r.text

    def test_docx_core_title_is_a_cue(self, tmp_path: Path) -> None:
        import docx

        d = docx.Document()
        for line in real_lines(RENHE)[2:]:
            d.add_paragraph(line)
        d.core_properties.title = "仁和镇人民政府关于2024年度法治政府建设工作的报告"
        path = tmp_path / "新建 DOCX 文档.docx"
        d.save(str(path))
        r = load_report(path)
        assert r.unit == "仁和镇人民政府" and dict(r.cues)["unit"] == "docx_title"


def test_docx_soft_line_break_starts_a_new_line(tmp_path: Path) -> None:
    import docx

    # as in the real 2025年江西省政府工作报告.docx: 来源 and the delivery line share one paragraph
    d = docx.Document()
    d.add_paragraph("2025年江西省政府工作报告")
    p = d.add_paragraph("来源：江西省人民政府")
    p.add_run().add_break()
    p.add_run("2025年1月17日在江西省第十四届人民代表大会第三次会议上省长叶建春作政府工作报告。")
    d.add_paragraph("各位代表：现在，我代表江西省人民政府向大会报告工作，请予审议。")
    path = tmp_path / "附件3.docx"
    d.save(str(path))
    r = load_report(path)
    assert "2025年1月17日在江西省第十四届人民代表大会第三次会议上" in r.text and "来源" not in r.text
    assert (r.unit, r.year, r.title_year) == ("江西省人民政府", 2024, 2025)
