"""Directories and phrase cards: the shipped files are valid; problems name file and line."""

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.i18n.locales import LOCALES
from bot.knowledge.directory import load_directory, validate_directory
from bot.knowledge.phrases import load_phrases, validate_phrases
from tests.paths import ROOT

FAQ = ROOT / "faq"

GOOD_ENTRY = """\
  - id: some-clinic
    name_en: Some Clinic
    name_zh: 某诊所
    district: Changning
    services: [gp]
    languages: [en, zh]
    international_department: null
    direct_billing: false
    phone: ""
    address: ""
    hours: ""
    verified: false
    last_reviewed: 2026-11-28
"""


def write(tmp_path: Path, text: str, name: str = "medical.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["medical.yaml", "schools.yaml"])
def test_shipped_directories_are_valid_and_unverified(name: str) -> None:
    path = FAQ / "directory" / name
    assert validate_directory(path) == []
    directory = load_directory(path)
    assert directory.entries
    # Staff verify; nothing ships as verified, and no contact detail is filled in.
    assert all(not e.verified for e in directory.entries)
    assert all(not (e.phone or e.address or e.hours) for e in directory.entries)


def test_shipped_phrase_cards_cover_every_locale() -> None:
    path = FAQ / "phrases" / "medical.yaml"
    assert validate_phrases(path) == []
    cards = load_phrases(path)
    assert len(cards) >= 24
    for card in cards:
        assert set(card.text) == set(LOCALES), card.id
        assert all(card.text[loc].strip() for loc in LOCALES)
    ids = {c.id for c in cards}
    assert {"doctor-english", "child-fever", "registration-desk", "allergy-penicillin"} <= ids


def test_valid_file_has_no_problems(tmp_path: Path) -> None:
    assert validate_directory(write(tmp_path, "kind: medical\nentries:\n" + GOOD_ENTRY)) == []


def test_problems_carry_file_and_line(tmp_path: Path) -> None:
    bad = GOOD_ENTRY.replace("services: [gp]", "services: [gp, surgery]")
    bad = bad.replace("last_reviewed: 2026-11-28", "last_reviewed: soon")
    bad += GOOD_ENTRY.replace("    name_zh: 某诊所\n", "").replace('phone: ""', 'fax: ""')
    path = write(tmp_path, "kind: medical\nentries:\n" + bad)
    found = {(p.line, p.message.split(" (")[0]) for p in validate_directory(path)}
    assert all(p.file == str(path) for p in validate_directory(path))
    assert (7, "services: unknown value `surgery`") in found
    assert (15, "`last_reviewed` has the wrong type") in found
    assert (16, "duplicate id `some-clinic`") in found
    assert (16, "missing `name_zh`") in found  # reported at the entry
    assert (16, "missing `phone`") in found
    assert (23, "unknown field `fax`") in found


def test_wrong_kind_and_shape(tmp_path: Path) -> None:
    problems = validate_directory(write(tmp_path, "kind: shops\nentries: 3\n"))
    assert [(p.line, p.message) for p in problems] == [
        (1, "kind must be one of medical, schools"),
        (2, "`entries` must be a list"),
    ]


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, "kind: medical\nentries:\n  - id: [unclosed\n")
    (problem,) = validate_directory(path)
    assert problem.file == str(path) and problem.line >= 3
    assert "invalid YAML" in problem.message


def test_phrase_card_problems(tmp_path: Path) -> None:
    text = """cards:
  - id: ok-card
    topics: [general]
    zh: 你好
    text: {en: Hello, zh_Hans: 你好, zh_Hant: 你好, ja: こんにちは, ko: 안녕하세요,
           fr: Bonjour, de: Hallo, es: Hola, ru: Привет}
  - id: Bad_Id
    topics: [surgery]
    zh: ""
    text:
      en: Hi
      it: Ciao
"""
    path = write(tmp_path, text, "medical-phrases.yaml")
    found = {(p.line, p.message) for p in validate_phrases(path)}
    assert (7, "`id` must be lower-case words joined by '-'") in found
    assert (8, "unknown topic `surgery` (allowed: general, gp, children, dental, "
               "maternity, mental, vaccination, permit)") in found  # fmt: skip
    assert (9, "`zh` (the Chinese to show) is missing or empty") in found
    assert (10, "text.ru is missing or empty") in found
    assert (12, "unknown locale `it`") in found


def test_directory_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "check", "--faq-dir", str(FAQ)]) == 0
    assert "0 problem(s)" in capsys.readouterr().out
    (tmp_path / "directory").mkdir()
    write(tmp_path / "directory", "kind: medical\nentries:\n  - id: x\n")
    assert main(["directory", "check", "--faq-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'directory' / 'medical.yaml'}:3: missing `name_en`" in out


@pytest.mark.parametrize("name", ["medical.yaml", "schools.yaml"])
def test_shipped_notes_are_in_every_locale(name: str) -> None:
    """Residents read each institution's note in their language (issue 16, finding 6)."""
    for entry in load_directory(FAQ / "directory" / name).entries:
        if entry.notes:
            assert set(entry.notes) == set(LOCALES), entry.id


def test_notes_fall_back_to_english_and_districts_are_named_per_locale(tmp_path: Path) -> None:
    from bot.knowledge.districts import district_name

    text = GOOD_ENTRY + "    notes:\n      en: Near Hongqiao.\n      ja: 虹橋の近く。\n"
    (entry,) = load_directory(write(tmp_path, "kind: medical\nentries:\n" + text)).entries
    assert entry.note("ja") == "虹橋の近く。" and entry.note("ko") == "Near Hongqiao."
    names = {loc: district_name(entry.district, loc) for loc in LOCALES}
    assert names["zh_Hans"] == "长宁区" and names["zh_Hant"] == "長寧區"
    assert names["ko"] == "창닝구" and names["ru"] == "Чаннин" and names["fr"] == "Changning"


def test_an_unknown_district_is_a_problem(tmp_path: Path) -> None:
    bad = GOOD_ENTRY.replace("district: Changning", "district: Changnig")
    (problem,) = validate_directory(write(tmp_path, "kind: medical\nentries:\n" + bad))
    assert problem.line == 6 and "unknown `Changnig`" in problem.message
