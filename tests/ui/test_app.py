"""End to end in headless Debian chromium driven by Playwright: ask, read sources, upload, ask again."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, SMALL_REPORT, write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (apt-get install chromium chromium-driver fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()


def test_reviewer_asks_reads_sources_uploads_and_asks_again(browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = live_server[0] + "/"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    # the examples render a moment after the textbox: wait for them rather than checking at once
    page.get_by_text("哪些单位矛盾纠纷调解成功率达到100%?").first.wait_for(state="visible", timeout=60_000)

    ask(page, "哪些单位矛盾纠纷调解成功率达到100%?")
    card = page.locator("#sources-panel .source-card").first
    card.wait_for(timeout=60_000)
    assert "埔前镇" in page.locator("#chat").inner_text()
    assert "成功率达100%" in card.locator(".source-passage mark").inner_text()
    card.locator("details summary").click()
    context = card.locator(".source-context")
    context.wait_for(state="visible")
    assert "(三)依法化解矛盾,维护社会稳定" in context.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)

    ask(page, "埔前镇和车站街道的法律顾问,谁审查的合同更多?")
    page.locator("#value-chart").wait_for(state="visible", timeout=60_000)
    assert "73" in page.locator("#value-table").inner_text()

    page.get_by_role("tab", name="报告", exact=True).click()
    report = write_report(tmp_path, "测试区报告.txt", SMALL_REPORT)
    page.locator("#upload input[type=file]").set_input_files(str(report))
    page.locator("#add-reports").click()
    page.get_by_text("已加入索引 1 份").wait_for(timeout=120_000)
    assert "测试区人民政府办公室" in page.locator("#reports").inner_text()

    page.get_by_role("tab", name="问答", exact=True).click()
    ask(page, "测试区主动公开了多少条政府信息?")
    page.get_by_text("1234条").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "ui-upload.png"), full_page=True)

    outside = [u for u in requests if not u.startswith(live_server[0]) and not u.startswith(("data:", "blob:"))]
    assert outside == []


def test_reviewer_uploads_a_nameless_report_and_corrects_its_unit(browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real = ROOT / "tests" / "data" / "real" / "xxgk-web" / "Content-2793487.txt"  # the text says only 我县
    upload = tmp_path / "下载(5).txt"
    upload.write_bytes(real.read_bytes())
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#kind-filter").wait_for(timeout=60_000)  # the kind filter sits beside unit and year
    page.get_by_role("tab", name="报告", exact=True).click()
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.locator("#add-reports").click()
    page.get_by_text("请核对 下载(5).txt：正文中未找到单位，已按文件名编入").wait_for(timeout=120_000)
    assert "政府信息公开工作年度报告" in page.locator("#reports").inner_text()

    picker = page.locator("#fix-report input")
    picker.click()
    picker.fill("下载(5)")
    page.get_by_role("option", name=re.compile(r"下载\(5\)")).first.click()
    page.locator("#fix-unit textarea, #fix-unit input").first.fill("平利县人民政府")
    page.locator("#fix-year textarea, #fix-year input").first.fill("2024")
    page.locator("#save-fix").click()
    page.get_by_text("已更正 下载(5).txt：平利县人民政府 · 2024 · 政府信息公开工作年度报告").wait_for(timeout=120_000)
    table = page.locator("#reports").inner_text()
    assert "平利县人民政府" in table and "单位：人工更正" in table
    page.screenshot(path=str(ARTIFACTS / "ui-correct.png"), full_page=True)
    assert any(d["unit"] == "平利县人民政府" and d["cues"]["unit"] == "reports.csv" for d in live_server[1].reports())


def test_reviewer_reads_the_ledger_and_the_completeness_matrix(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)

    page.get_by_role("tab", name="指标台账").click()
    page.locator("#ledger-indicator textarea").fill("发布政府信息")  # folded to 主动公开政府信息
    page.locator("#ledger-show").click()
    page.locator("#ledger-chart").wait_for(state="visible", timeout=60_000)
    table = page.locator("#ledger-table").inner_text()
    assert "3522" in table and "3576" in table and "霞山区人民政府办公室" in table
    assert "区政府门户网站累计发布政府信息3522篇" in table  # every value with its verbatim span
    assert re.search(r"共 \d+ 个数字", page.locator("#ledger-status").inner_text())

    page.get_by_role("tab", name="报告完整性").click()
    page.get_by_text("份各部分齐全").wait_for(timeout=60_000)
    matrix = page.locator("#outline-table").inner_text()
    assert "✓ 有" in matrix and "~ 仅提及" in matrix and "河东区政府办公室" in matrix
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-outline.png"), full_page=True)


def test_an_answer_exports_as_excel_and_an_upload_reaches_a_second_tab(browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 28: 导出 Excel beside an answer gives the units with their quotes; a report uploaded in one
    tab, of a year no report had, is in the other tab's report table and year filter after its reload."""
    import io

    import openpyxl

    url = live_server[0] + "/"
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    first = context.new_page()
    first.goto(url, wait_until="load")
    first.locator("#question textarea").wait_for(timeout=60_000)
    ask(first, "哪些单位主动公开了政府信息?")
    button = first.locator("#export-answer-xlsx")
    button.wait_for(state="visible", timeout=60_000)
    with first.expect_download(timeout=60_000) as got:
        button.click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("结论", "单位") and got.value.suggested_filename == "回答.xlsx"
    listed = {r[1] for r in rows[1:] if r[0] == "符合条件"}
    chat = first.locator("#chat").inner_text()
    assert listed and all(unit in chat for unit in listed)
    assert all(r[4] and r[4][:12] in chat for r in rows[1:] if r[0] == "符合条件")

    second = context.new_page()
    second.goto(url, wait_until="load")
    second.locator("#question textarea").wait_for(timeout=60_000)
    first.get_by_role("tab", name="报告", exact=True).click()
    text = SMALL_REPORT.replace("测试区", "验证区").replace("2025年", "2019年").replace("2026-01-05", "2020-01-05")
    first.locator("#upload input[type=file]").set_input_files(str(write_report(tmp_path, "验证区报告.txt", text)))
    first.locator("#add-reports").click()
    first.get_by_text("已加入索引 1 份").wait_for(timeout=120_000)
    second.reload(wait_until="load")
    second.locator("#question textarea").wait_for(timeout=60_000)
    second.locator("#year-filter input").click()
    second.get_by_role("option", name="2019").wait_for(timeout=30_000)
    second.keyboard.press("Escape")
    second.get_by_role("tab", name="报告", exact=True).click()
    second.get_by_text("验证区人民政府办公室").first.wait_for(timeout=30_000)
    context.close()


def test_the_api_docs_render_offline_and_the_footer_has_no_gradio_api_panel(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """Issue 28: Swagger UI's files are served here (no CDN); the page links /api/docs, not Gradio's panel."""
    page = browser.new_page(locale="zh-CN")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server[0] + "/api/docs", wait_until="load")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert page.title() == "年度报告问答 · 接口文档"
    assert "/api/ask" in page.locator(".swagger-ui").inner_text()
    assert [u for u in requests if not u.startswith(live_server[0]) and not u.startswith("data:")] == []
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    assert page.get_by_text("Use via API").count() == 0
    assert page.locator("a[href='/api/docs']").count() >= 1
    page.close()


def test_citations_lead_to_their_source_and_the_original_and_the_chat_survives_a_reload(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """Issue 28: `[n]` links to its own answer's source; 查看原文 shows the whole report with the cited
    sentence marked and in view, and its file to download; a reload keeps the conversation; 清空对话 clears it."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    ask(page, "霞山区2025年主动公开了多少条政府信息?")
    link = page.locator("#chat a[href^='#a']").first
    link.wait_for(timeout=60_000)
    anchor = link.get_attribute("href")
    assert anchor and page.locator(f"#chat [id='{anchor[1:]}']").count() == 1
    assert "3522" in (page.locator("#chat details").first.text_content() or "")

    page.locator("#original-pick input").click()
    page.get_by_role("option").first.click()
    hit = page.locator("#original mark#hit")
    hit.wait_for(timeout=30_000)
    assert "3522" in hit.inner_text()
    page.wait_for_function(
        "() => { const r = document.querySelector('#original mark#hit').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=10_000,
    )
    text = page.locator("#original .original-text").inner_text()
    assert len(text) > 10 * len(hit.inner_text())  # the whole report, not the passage
    with page.expect_download(timeout=30_000) as got:
        page.locator("#original-file").click()
    assert got.value.suggested_filename.endswith(".txt")

    page.reload(wait_until="load")
    page.get_by_text("霞山区2025年主动公开了多少条政府信息?").first.wait_for(timeout=60_000)
    page.locator("#clear-chat").click()
    page.wait_for_function("() => !document.querySelector('#chat').innerText.includes('霞山区2025年')", timeout=30_000)
    page.reload(wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    assert "霞山区2025年主动公开" not in page.locator("#chat").inner_text()
    context.close()


def test_a_report_is_deleted_after_a_confirmation_and_leaves_every_list(browser, index_copy: Path, e5) -> None:  # type: ignore[no-untyped-def]
    from rag.service import Service
    from tests.conftest import serving

    with serving(Service(index_copy, encoder=e5)) as url:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page.goto(url + "/", wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.get_by_role("tab", name="报告", exact=True).click()
        page.locator("#remove-report input").click()
        page.get_by_role("option", name=re.compile("霞山区")).first.click()
        page.locator("#remove-ask").click()
        page.get_by_text("确定从索引中删除").wait_for(timeout=30_000)
        assert (
            "霞山区人民政府办公室" in page.locator("#reports").inner_text()
        )  # nothing removed before the confirmation
        page.locator("#remove-confirm").click()
        page.get_by_text("已删除：霞山区人民政府办公室").wait_for(timeout=120_000)
        assert "霞山区" not in page.locator("#reports").inner_text()
        assert not page.locator("#remove-confirm").is_visible()
        page.get_by_role("tab", name="问答", exact=True).click()
        page.locator("#unit-filter input").click()
        page.get_by_role("option").first.wait_for(timeout=30_000)
        assert "霞山区" not in " ".join(page.get_by_role("option").all_inner_texts())
        page.close()


def test_a_comparison_shows_values_as_written_ranked_and_above_the_fold(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    ask(page, "埔前镇和车站街道的法律顾问,谁审查的合同更多?")
    table = page.locator("#value-table")
    table.wait_for(state="visible", timeout=60_000)
    shown = table.inner_text()
    assert "原文写法" in shown and "73份" in shown  # the report's own words beside the number ranked
    box = table.bounding_box()
    assert box is not None and box["y"] < 768, box  # under the answer, visible without scrolling
    page.close()


ENGLISH_ALLOWED = {"Excel", "CSV", "API", "PDF", "OCR", "Word", "OFD", "which", "units", "trained"}
"""Words a Chinese page may show: format names, and the English example question (kept on purpose)."""


def _settled_text(page) -> str:  # type: ignore[no-untyped-def]
    """The page's text once no event is running (Gradio's timers and progress bars come and go)."""
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar, .generating, .progress-bar')")
    return str(page.locator("body").inner_text())


def _english_words(text: str) -> list[str]:
    words = re.findall(r"(?<![0-9A-Za-z_.])[A-Za-z]{3,}(?![0-9A-Za-z_])", text)
    return [w for w in words if w not in ENGLISH_ALLOWED and not re.fullmatch(r"[0-9a-f]+", w)]  # hex: doc ids


def test_every_tab_speaks_chinese(browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 28: at zh-CN, no English word on any tab — Gradio's own labels, cue names, warnings, the
    upload's status (an unreadable file and a report with no unit among them)."""
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    ask(page, "哪些单位主动公开了政府信息?")
    page.locator("#sources-panel .source-card").first.wait_for(timeout=60_000)
    found = {"问答": _english_words(_settled_text(page))}
    page.get_by_role("tab", name="报告", exact=True).click()
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    nameless = write_report(tmp_path, "页面3.txt", "2024年,我局坚持依法行政,全年办理行政复议案件12件。")
    page.locator("#upload input[type=file]").set_input_files([str(broken), str(nameless)])
    page.locator("#add-reports").click()
    page.get_by_text("未能使用 坏.pdf").wait_for(timeout=120_000)
    found["报告"] = _english_words(_settled_text(page))
    page.get_by_role("tab", name="指标台账").click()
    page.locator("#ledger-indicator textarea").fill("主动公开")
    page.locator("#ledger-show").click()
    page.locator("#ledger-status").get_by_text("个数字").wait_for(timeout=30_000)
    found["指标台账"] = _english_words(_settled_text(page))
    page.get_by_role("tab", name="报告完整性").click()
    page.locator("#outline-summary").get_by_text("份报告").wait_for(timeout=30_000)
    found["报告完整性"] = _english_words(_settled_text(page))
    page.close()
    assert all(not words for words in found.values()), found


def test_a_reviewers_afternoon(browser, index_copy: Path, e5, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 28, end to end at 1366×768 in zh-CN: real reports uploaded (a .zip among them), one
    corrected, a which-units question asked, its cited original opened, the list exported, a report
    deleted, and a second tab reloaded that sees all of it. Screenshots go to a temporary folder."""
    import io
    import zipfile

    import openpyxl

    from rag.service import Service
    from tests.conftest import serving

    real = ROOT / "tests" / "data" / "real"
    loose = [
        real / "fazhi-web" / "紫金县司法局2025年法治政府建设年度报告.txt",
        real / "xxgk-web" / "Content-2793487.txt",
    ]
    bundle = tmp_path / "街道乡镇报告.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        for f in ("留下街道2022年度法治政府建设工作报告.txt", "永安市小陶镇人民政府2024年法治政府建设情况报告.txt"):
            z.write(real / "fazhi-web" / f, f"报告/{f}")
    shots = tmp_path / "screens"
    shots.mkdir()
    with serving(Service(index_copy, encoder=e5)) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.goto(url + "/", wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.get_by_role("tab", name="报告", exact=True).click()
        page.locator("#upload input[type=file]").set_input_files([*(str(f) for f in loose), str(bundle)])
        page.locator("#add-reports").click()
        page.get_by_text("已加入索引 4 份").wait_for(timeout=300_000)
        page.screenshot(path=str(shots / "1-uploaded.png"), full_page=True)
        table = page.locator("#reports").inner_text()
        assert all(u in table for u in ("紫金县司法局", "留下街道", "永安市小陶镇人民政府"))
        assert table.index("Content-2793487") < table.index("紫金县司法局")  # the one to check comes first

        page.locator("#fix-report input").click()
        page.get_by_role("option", name=re.compile("Content-2793487")).first.click()
        page.locator("#fix-unit input, #fix-unit textarea").first.fill("平利县人民政府")
        page.locator("#save-fix").click()
        page.get_by_text("已更正").wait_for(timeout=120_000)

        page.get_by_role("tab", name="问答", exact=True).click()
        ask(page, "哪些单位开展了法治宣传?")
        page.locator("#sources-panel .source-card").first.wait_for(timeout=60_000)
        page.locator("#original-pick input").click()
        page.get_by_role("option").first.click()
        page.locator("#original mark#hit").wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "2-original.png"))
        with page.expect_download(timeout=60_000) as got:
            page.locator("#export-answer-xlsx").click()
        sheet = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "结论" and {r[0] for r in rows[1:]} <= {"符合条件", "可能相关，请核对", "未提及"}
        assert any(r[0] == "符合条件" and r[4] for r in rows[1:])

        page.get_by_role("tab", name="报告", exact=True).click()
        page.locator("#remove-report input").click()
        page.get_by_role("option", name=re.compile("留下街道")).first.click()
        page.locator("#remove-ask").click()
        page.locator("#remove-confirm").click()
        page.get_by_text("已删除：留下街道").wait_for(timeout=120_000)
        page.screenshot(path=str(shots / "3-deleted.png"), full_page=True)

        second = context.new_page()
        second.goto(url + "/", wait_until="load")
        second.locator("#question textarea").wait_for(timeout=60_000)
        second.get_by_text("哪些单位开展了法治宣传?").first.wait_for(timeout=30_000)  # the conversation kept
        second.get_by_role("tab", name="报告", exact=True).click()
        reports = second.locator("#reports")
        reports.get_by_text("平利县人民政府").first.wait_for(timeout=30_000)
        assert "留下街道" not in reports.inner_text() and "紫金县司法局" in reports.inner_text()
        second.screenshot(path=str(shots / "4-second-tab.png"), full_page=True)
        context.close()
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-uploaded.png",
        "2-original.png",
        "3-deleted.png",
        "4-second-tab.png",
    ]
    assert all(p.stat().st_size > 20_000 for p in shots.iterdir())  # pages drawn, not blank


def test_copying_an_answer_copies_its_text_with_its_sources_not_html(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server[0])
    page = context.new_page()
    page.goto(live_server[0] + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    ask(page, "霞山区2025年主动公开了多少条政府信息?")
    page.locator("#copy-answer").wait_for(state="visible", timeout=60_000)
    page.locator("#copy-answer").click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()).includes('来源：')", timeout=10_000)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "3522" in copied and "[1] 霞山区人民政府办公室 · 2025" in copied and "“" in copied
    assert "<" not in copied  # text, not the page's HTML
    context.close()


def test_a_report_is_replaced_by_a_new_file_in_one_step(browser, index_copy: Path, e5, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rag.service import Service
    from tests.conftest import serving

    newer = SMALL_REPORT.replace("1234条", "5678条")
    with serving(Service(index_copy, encoder=e5)) as url:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page.goto(url + "/", wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.get_by_role("tab", name="报告", exact=True).click()
        first = write_report(tmp_path, "测试区.txt", SMALL_REPORT)
        page.locator("#upload input[type=file]").set_input_files(str(first))
        page.locator("#add-reports").click()
        page.get_by_text("已加入索引 1 份").wait_for(timeout=120_000)
        page.locator("#remove-report input").click()
        page.get_by_role("option", name=re.compile("测试区")).first.click()
        page.locator("#upload input[type=file]").set_input_files(str(write_report(tmp_path, "测试区新版.txt", newer)))
        page.locator("#replace-report").click()
        page.get_by_text("已替换：测试区人民政府办公室 → 测试区新版.txt").wait_for(timeout=120_000)
        table = page.locator("#reports").inner_text()
        assert "测试区新版.txt" in table and table.count("测试区人民政府办公室") == 1
        page.get_by_role("tab", name="问答", exact=True).click()
        ask(page, "测试区主动公开了多少条政府信息?")
        page.get_by_text("5678条").first.wait_for(timeout=60_000)
        assert "1234条" not in page.locator("#chat").inner_text()
        page.close()


def test_the_original_of_a_pdf_shows_the_page_the_citation_stands_on(browser, tmp_path: Path, e5) -> None:  # type: ignore[no-untyped-def]
    """Issue 28: 查看原文 for a text PDF renders the cited page (poppler) and says its number."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from rag.service import Service
    from rag.store import build_index
    from tests.conftest import serving

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    folder = tmp_path / "reports"
    folder.mkdir()
    pdf = canvas.Canvas(str(folder / "测试区报告.pdf"))
    pages = [
        ["测试区人民政府办公室2025年法治政府建设年度报告", "一、主要举措和成效", "全年组织法治培训12场次。"],
        ["二、政务公开", "全年主动公开政府信息4321条,依申请公开办结率100%。"],
    ]
    for lines in pages:
        pdf.setFont("STSong-Light", 14)
        for k, line in enumerate(lines):
            pdf.drawString(72, 760 - 30 * k, line)
        pdf.showPage()
    pdf.save()
    build_index([folder], tmp_path / "index", encoder=e5)
    with serving(Service(tmp_path / "index", encoder=e5)) as url:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page.goto(url + "/", wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
        ask(page, "测试区主动公开了多少条政府信息?")
        page.locator("#sources-panel .source-card").first.wait_for(timeout=60_000)
        page.locator("#original-pick input").click()
        page.get_by_role("option").first.click()
        image = page.locator("#original-page img")
        image.wait_for(timeout=30_000)
        assert "原文第 2 页" in page.locator("#original-page").inner_text()
        assert page.evaluate("() => document.querySelector('#original-page img').naturalWidth") > 500
        page.close()
