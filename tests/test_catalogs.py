"""The bot's own sentences: every catalog in locales/ loads, is complete, is current with the code,
and gets plural forms right."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, catalog_name, translations
from bot.languages import DEFAULT, SUPPORTED

TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT]
PLACEHOLDER = re.compile(r"{\w+}")


def _po(language: str):
    with open(LOCALES / catalog_name(language) / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=catalog_name(language))


def _template():
    with open(LOCALES / "messages.pot", "rb") as file:
        return read_po(file)


def test_the_template_holds_every_sentence_in_the_code() -> None:
    """A sentence added to bot/dialogue, bot/referrals or bot/channels without `make locales` would reach readers
    in English."""
    in_code = {message[2] for folder in ("dialogue", "referrals", "channels")
               for message in extract_from_dir(LOCALES.parent / "bot" / folder, keywords={"_": None, "n_": (1, 2)})}
    in_template = {message.id for message in _template() if message.id}
    assert in_code == in_template, "run 'make locales' and translate what is new"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalog_is_complete_and_loads(language: str) -> None:
    po = _po(language)
    template_ids = {m.id for m in _template() if m.id}
    assert {m.id for m in po if m.id} >= template_ids
    catalog = translations(language)  # the compiled catalog, as the bot loads it
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy: {message.id}"
        singular = message.id[0] if message.pluralizable else message.id
        forms = message.string if message.pluralizable else (message.string,)
        for form in forms:
            assert form.strip(), f"{language}: untranslated: {singular}"
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(
                message.id[1] if message.pluralizable else message.id)), f"{language}: placeholders of {singular}"
        if not message.pluralizable:
            assert catalog.gettext(message.id) == message.string, f"{language}: the compiled catalog is stale"


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_follow_the_language(language: str) -> None:
    """Every form the catalog has is used for some number, and each number gets the form the
    language's rule (the catalog's Plural-Forms) picks: Ukrainian 1, 21 / 2, 22 / 5, 11, 12."""
    po = _po(language)
    assert po.plural_forms == get_plural(catalog_name(language)).plural_forms  # Babel's rule for the language
    message = next(m for m in po if m.pluralizable)
    assert len(message.string) == po.num_plurals
    catalog = translations(language)
    used = {catalog.ngettext(*message.id, n) for n in range(0, 201)}
    assert used == set(message.string)
    if language == "uk":
        one, few, many = message.string
        assert [catalog.ngettext(*message.id, n) for n in (1, 21, 2, 22, 5, 11, 12)] == [
            one, one, few, few, many, many, many]
