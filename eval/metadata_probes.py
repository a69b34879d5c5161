"""Issue 27's probes: the development corpus's reports rewritten into the forms that broke metadata on
reports nobody tuned for, each read back and scored against its MANIFEST row; one table.

    python eval/metadata_probes.py [CORPUS_DIR] [--show-failures N] [--min-rate R]

Forms (each rewrite keeps the report's own body; every title line is removed and the file gets a
neutral name, so the rewritten cue is what must carry the unit):
- session:     a 政府工作报告 titled `2025年政府工作报告（在X第十四届人民代表大会第三次会议上）`, or with the
               speaker's line `X人民政府省长 姓名` / the delivery line `——2025年1月14日在X…上` under it
               (the provinces as they are; each county-level government of the corpus with a province's
               body moved to it);
- addressee:   a line naming the superior (`中共S委全面依法治市委员会:`) over an opening clause that names
               the author (`在奋进…新征程上,U坚持…`);
- generic:     a body sentence of generic place words that are also real districts (老城区, 新区, 开发区,
               城区) before the report's own text;
- incomplete:  the title names only `县人民政府` / `区司法局`; the place is in a 来源 URL's host (full
               pinyin or initials) or the site's name; the body's own place names are blanked to 我县;
- department:  a department's report (司法局, 教育局…) whose opening speaks of 全区司法行政系统 under the
               district's site name;
- ocr:         one character of the unit's place misread to another in the title line (the body
               as read), or everywhere in the text (only the other places it names can tell);
generic probes are made only from reports whose own cues carry their unit once the title is gone.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.errors import InputError  # noqa: E402
from rag.ingest import load_report  # noqa: E402
from rag.ingest.places import gazetteer  # noqa: E402
from rag.ingest.titles import parse_title  # noqa: E402
from rag.metadata_eval import Expected, read_manifest, unit_names, unit_right  # noqa: E402

SPEAKER = {"省": "省长", "自治区": "主席", "市": "市长", "区": "区长", "县": "县长"}
OCR_SWAP = "王玉土士木本未末日曰目自白百大太犬天夫人入八几凡己已巳午牛千干于子孑了"
"""Characters a scan confuses with one of similar shape, in pairs of neighbours; a probe swaps a
character of the place for another character (the rule tested must not depend on which)."""


@dataclass(frozen=True, slots=True)
class Probe:
    form: str
    name: str
    text: str
    expected: Expected
    year: int | None


def _body(corpus: Path, exp: Expected) -> list[str] | None:
    try:
        report = load_report(corpus / exp.file)
    except InputError:
        return None
    lines = [line for line in report.text.splitlines() if line.strip()]
    return [line for line in lines[:12] if not _titled(line)] + lines[12:]


def _titled(line: str) -> bool:
    t = parse_title(line)
    return t is not None and bool(t.unit or t.kind)


def _place(unit: str) -> tuple[str, tuple[str, ...]]:
    """The unit's own deepest division named in it and its chain (获嘉县 -> 获嘉县, (河南省, 新乡市, 获嘉县))."""
    table = gazetteer()
    if table is None:
        return "", ()
    names = [n for n in table.names_in(unit) if n in {table.nodes[i].name for i in table.by_name[n]}]
    if not names:
        return "", ()
    own = names[-1]
    return own, table.locate(unit, "")


def _level_word(place: str) -> str:
    for end in ("自治区", "省", "市", "区", "县"):
        if place.endswith(end):
            return end
    return ""


def _core(place: str) -> str:
    """宁夏回族自治区 -> 宁夏, 管城回族区 -> 管城: what a site's host spells."""
    core = re.sub(r"(自治区|自治县|省|市|区|县)$", "", place)
    return re.sub(r"(维吾尔|壮族|回族|苗族|土家族|彝族|藏族)+$", "", core) or core


def _initials(place: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(_core(place), style=Style.FIRST_LETTER))


def _pinyin(place: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(_core(place)))


def probes(corpus: Path) -> Iterator[Probe]:
    rows = read_manifest(corpus / "MANIFEST.tsv")
    bodies = {e.file: b for e in rows if (b := _body(corpus, e)) is not None}
    jilin = next((e for e in rows if e.kind == "政府工作报告" and "吉林" in e.unit), None)
    for exp in rows:
        body = bodies.get(exp.file)
        unit = unit_names(exp.unit)[0]
        place, chain = _place(unit)
        if body is None or not place:
            continue
        lvl = _level_word(place)
        n = len(body)
        if exp.kind == "政府工作报告":
            yield from _session(exp, place, body, exp.year)
        elif exp.level in ("区", "县") and jilin is not None and (jb := bodies.get(jilin.file)):
            province = unit_names(jilin.unit)[0].removesuffix("人民政府")
            moved = [_moved(line, province, place, lvl) for line in jb]
            target = Expected(exp.file, "政府工作报告", place + "人民政府", exp.level, jilin.year)
            yield from _session(target, place, moved, jilin.year)
        if exp.kind != "政府工作报告" and len(chain) >= 2:
            superior = chain[-2]
            lv = _level_word(superior) or "市"
            opening = f"在奋进新时代新征程上,{unit}坚持以习近平新时代中国特色社会主义思想为指导,深入推进法治建设。"
            addressee = f"中共{superior}委全面依法治{lv}委员会:"
            yield Probe("addressee", f"addressee-{n}", "\n".join([addressee, opening, *body]), exp, exp.year)
        if _reads_right("\n".join(body), exp):  # only where the report's own cues carry its unit untitled
            generic = "老城区改造和新区建设稳步推进,开发区、城区面貌持续改善。"
            yield Probe("generic", f"generic-{n}", "\n".join([body[0], generic, *body[1:]]), exp, exp.year)
        government = unit if unit != place else unit + "人民政府"
        bare = government.replace(place, lvl) if lvl and unit.startswith(place) else ""
        if bare and bare != unit and exp.year is not None and len(chain) >= 1:
            blanked = [line.replace(place, f"我{lvl}") for line in body]
            title = _title(bare, exp)
            for how, source in (
                ("url", f"来源:http://www.{_pinyin(place)}.gov.cn/zwgk/{exp.year + 1}/0115/1234.html"),
                ("initials", f"来源:http://www.{_initials(place)}.gov.cn/xxgk/index.html"),
                ("site", f"{place}人民政府网站"),
            ):
                text = "\n".join([title, source, *blanked])
                yield Probe(f"incomplete/{how}", f"incomplete-{how}-{n}", text, exp, exp.year)
        if exp.level.endswith("级部门") and lvl in ("区", "县") and unit.startswith(place):
            dept = unit[len(place) :]
            opening = (
                f"{exp.year}年,{lvl}{dept}在{lvl}委、{lvl}政府的坚强领导下,"
                f"团结带领全{lvl}司法行政系统干部职工,扎实推进法治建设。"
            )
            rest = [line.replace(unit, f"{lvl}{dept}") for line in body]
            yield Probe("department", f"department-{n}", "\n".join([f"{place}人民政府", opening, *rest]), exp, exp.year)
        core = re.sub(r"(自治区|自治县|省|市|区|县|镇|乡|街道)$", "", place)
        if len(core) >= 2:
            for k, ch in enumerate(core):
                tail = place[len(core) :]
                misreads = (c for c in OCR_SWAP if c != ch and _not_a_place(core[:k] + c + core[k + 1 :] + tail))
                wrong = next(misreads, None)
                if wrong is None:
                    continue
                misread = core[:k] + wrong + core[k + 1 :] + place[len(core) :]
                title = _title(unit, exp).replace(place, misread)
                yield Probe("ocr/title", f"ocr-title-{n}-{k}", "\n".join([title, *body]), exp, exp.year)
                everywhere = "\n".join(line.replace(place, misread) for line in [title, *body])
                yield Probe("ocr/everywhere", f"ocr-all-{n}-{k}", everywhere, exp, exp.year)
                break


def _moved(line: str, province: str, place: str, lvl: str) -> str:
    """A province's report moved to a county-level government: its name and 全省/我省 become the place's."""
    return line.replace(province, place).replace("全省", f"全{lvl}").replace("我省", f"我{lvl}")


def _reads_right(text: str, exp: Expected) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page-0.txt"
        path.write_text(text, encoding="utf-8")
        return unit_right(load_report(path), exp)


def _not_a_place(name: str) -> bool:
    table = gazetteer()
    return table is not None and name not in table.by_name


def _title(unit: str, exp: Expected) -> str:
    """The report's title for `unit`: a 政府工作报告 is titled with the year after the one it reviews."""
    if exp.kind == "政府工作报告" and exp.year is not None:
        return f"{exp.year + 1}年{unit}政府工作报告"
    return f"{unit}{exp.year}年{exp.kind}"


def _session(exp: Expected, place: str, body: list[str], year: int | None) -> Iterator[Probe]:
    if year is None:
        return
    title_year = year + 1
    lvl = _level_word(place)
    speaker = SPEAKER.get(lvl, "市长")
    body = [line for line in body if "人民代表大会" not in line and "我代表" not in line]
    forms = {
        "session/bracket": [f"{title_year}年政府工作报告（在{place}第十四届人民代表大会第三次会议上）", *body],
        "session/speaker": [f"{title_year}年政府工作报告", f"{place}人民政府{speaker} 王某某", *body],
        "session/delivery": [
            f"{title_year}年政府工作报告",
            f"——{title_year}年1月14日在{place}第十四届人民代表大会第三次会议上",
            *body,
        ],
    }
    for form, lines in forms.items():
        yield Probe(form, f"{form.replace('/', '-')}-{place}", "\n".join(lines), exp, year)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "real-reports")
    p.add_argument("--show-failures", type=int, default=0, metavar="N")
    p.add_argument("--min-rate", type=float, default=0.0, help="exit 1 when fewer units are right (CI gates it)")
    args = p.parse_args()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, probe in enumerate(probes(args.corpus)):
            path = Path(tmp) / f"page-{i}.txt"
            path.write_text(probe.text, encoding="utf-8")
            report = load_report(path)
            c = counts[probe.form]
            c["n"] += 1
            ok = unit_right(report, probe.expected)
            c["unit"] += ok
            c["year"] += report.year == probe.year
            c["bare"] += not is_complete(report.unit)
            if not ok:
                cue = dict(report.cues)["unit"]
                failures.append(f"{probe.form:20} {probe.expected.unit[:24]:24} -> {report.unit}  ({cue})")
    print("| form | probes | unit right | year right | unit without its place |")
    print("|---|---|---|---|---|")
    total: Counter[str] = Counter()
    for form in sorted(counts):
        c = counts[form]
        total.update(c)
        print(f"| {form} | {c['n']} | {c['unit']}/{c['n']} | {c['year']}/{c['n']} | {c['bare']} |")
    print(
        f"| **all** | {total['n']} | **{total['unit']}/{total['n']} ({total['unit'] / max(total['n'], 1):.3f})** "
        f"| {total['year']}/{total['n']} | {total['bare']} |"
    )
    for line in failures[: args.show_failures]:
        print(line)
    rate = total["unit"] / max(total["n"], 1)
    if rate < args.min_rate or total["bare"]:
        print(f"metadata probes: unit right {rate:.3f} < {args.min_rate} or {total['bare']} units without their place")
        return 1
    return 0


def is_complete(unit: str) -> bool:
    from rag.ingest import cues

    check = getattr(cues, "complete_unit", None)  # absent before issue 27: its rule, spelled out
    if check is None:
        return not re.match(r"^(?:[省市县区镇乡]|街道|本|我)(?:人民政府|政府|[^\d]{0,8}局)$", unit)
    return bool(check(unit))


if __name__ == "__main__":
    raise SystemExit(main())
