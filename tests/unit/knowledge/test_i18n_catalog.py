"""The message catalogues: complete in every language, same placeholders, usable by t()."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from knowledge.i18n import (
    Catalog,
    MissingMessage,
    catalog,
    format_date,
    format_number,
    month_words,
    supported_languages,
    t,
)
from knowledge.i18n.catalog import placeholders
from knowledge.i18n.languages import LOCALES, Language, available_languages


def completeness_problems(cat: Catalog) -> list[str]:
    """Every message missing in a language, and every placeholder set that differs from the first."""
    ids = {msgid for messages in cat.messages.values() for msgid in messages}
    problems = []
    for lang, messages in cat.messages.items():
        problems += [f"{lang}: missing {msgid}" for msgid in sorted(ids - set(messages))]
    first = cat.languages[0]
    reference = cat.messages[first]
    for lang, messages in cat.messages.items():
        for msgid in sorted(set(reference) & set(messages)):
            mine, theirs = placeholders(messages[msgid]), placeholders(reference[msgid])
            if mine != theirs:
                problems.append(f"{lang}: {msgid} has placeholders {sorted(mine)}, {first} has {sorted(theirs)}")
            if isinstance(messages[msgid], dict) != isinstance(reference[msgid], dict):
                problems.append(f"{lang}: {msgid} is plural in one language and not in the other")
    return problems


def _write(root: Path, files: dict[str, dict[str, str]]) -> Path:
    for lang, domains in files.items():
        (root / lang).mkdir()
        settings = (LOCALES / lang / "_language.yaml").read_text(encoding="utf-8")
        (root / lang / "_language.yaml").write_text(settings, encoding="utf-8")
        for domain, body in domains.items():
            (root / lang / f"{domain}.yaml").write_text(body, encoding="utf-8")
    return root


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    cat = catalog()
    assert set(cat.languages) == {"en", "nl"}
    assert len(cat.messages["en"]) >= 50
    assert completeness_problems(cat) == []


def test_the_completeness_check_catches_a_missing_message_and_a_renamed_placeholder(tmp_path: Path) -> None:
    cat = Catalog.load(_write(tmp_path, {
        "en": {"x": "a:\n  one: 'Due {date}'\n  two: Hello\n"},
        "nl": {"x": "a:\n  one: 'Deadline {datum}'\n"},
    }))
    assert completeness_problems(cat) == [
        "nl: missing x.a.two", "nl: x.a.one has placeholders ['datum'], en has ['date']",
    ]


def test_the_language_type_accepts_exactly_the_catalogue_folders_and_refuses_like_a_literal() -> None:
    assert set(available_languages()) == set(supported_languages()) == {"en", "nl"}
    language = TypeAdapter(Language)
    assert [language.validate_python(code) for code in available_languages()] == ["en", "nl"]
    assert language.json_schema() == {"enum": ["en", "nl"], "type": "string"}
    for bad in ("fr", "EN", "", 5, None):
        with pytest.raises(ValidationError) as refused:
            language.validate_python(bad)
        # What a Literal["en", "nl"] answered: the API's 422 bodies are unchanged.
        assert refused.value.errors(include_url=False) == [
            {"type": "literal_error", "loc": (), "msg": "Input should be 'en' or 'nl'", "input": bad,
             "ctx": {"expected": "'en' or 'nl'"}}]


def test_t_fills_named_placeholders_in_each_languages_word_order_and_picks_plural_forms(tmp_path: Path) -> None:
    cat = Catalog.load(_write(tmp_path, {
        "en": {"agenda": "item:\n  due: 'due {date}'\n  open:\n    one: '{count} open item'\n"
                         "    other: '{count} open items'\n"},
        "nl": {"agenda": "item:\n  due: '{date} is de deadline'\n  open:\n    one: '{count} open punt'\n"
                         "    other: '{count} open punten'\n"},
    }))
    assert cat.t("agenda.item.due", "en", date="1 May") == "due 1 May"
    assert cat.t("agenda.item.due", "nl", date="1 mei") == "1 mei is de deadline"
    assert [cat.t("agenda.item.open", "nl", count=n) for n in (1, 3)] == ["1 open punt", "3 open punten"]
    assert cat.t("agenda.item.open", "en", count=0) == "0 open items"
    with pytest.raises(MissingMessage):
        cat.t("agenda.item.nope", "en")
    with pytest.raises(TypeError, match="count"):
        cat.t("agenda.item.open", "en")
    with pytest.raises(KeyError, match="date"):
        cat.t("agenda.item.due", "en")


def test_domain_files_merge_and_a_bad_entry_is_an_error(tmp_path: Path) -> None:
    root = _write(tmp_path, {"en": {"a": "x: one\n", "b": "x: two\ny:\n  z: three\n"}})
    assert dict(Catalog.load(root).messages["en"]) == {"a.x": "one", "b.x": "two", "b.y.z": "three"}
    (root / "en" / "b.yaml").write_text("x: two\nx2: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.x2"):
        Catalog.load(root)


def test_shipped_agenda_messages_and_babel_dates_and_numbers() -> None:
    assert t("agenda.count.action_item", "en", count=1) == "1 open action item"
    assert t("agenda.count.action_item", "nl", count=2) == "2 openstaande actiepunten"
    assert t("agenda.due", "nl", date=format_date(date(2025, 6, 30), "nl")) == "deadline 30 juni 2025"
    assert format_date(date(2025, 6, 30), "en") == "30 June 2025"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234.5, "nl") == "1.234,5"


def test_month_words_come_from_cldr_for_each_language_and_are_read_back_as_values() -> None:
    from agent.lexicon.values import value_keys

    assert month_words("nl", "wide") == {m: i + 1 for i, m in enumerate((
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
        "november", "december"))}
    assert {"mrt": 3, "mei": 5, "okt": 10}.items() <= month_words("nl", "abbreviated").items()
    # The British "Sept" and the plain "Sep" both count; trailing dots are dropped.
    assert {"sep": 9, "sept": 9, "may": 5}.items() <= month_words("en", "abbreviated").items()
    assert {"month:6", "30", "2025"} <= value_keys("Af op 30 juni 2025, of uiterlijk 1 mrt.")
    assert "month:3" in value_keys("Af op 30 juni 2025, of uiterlijk 1 mrt.")
    assert "month:9" in value_keys("Done by 3 Sept 2026") and "month:9" in value_keys("Done by Sep 3")
    assert not any(k.startswith("month:") for k in value_keys("You may finish it in time"))
