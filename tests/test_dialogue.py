"""The dialogue core through its public surface, `Dialogue.handle`, on SQLite and PostgreSQL:
what a newcomer sees, and what is kept about them."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql_text

from bot.config import PROJECT_ROOT
from bot.dialogue import Dialogue, Inbound
from bot.i18n import LRM, RLM
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.reload import LiveKnowledge
from bot.nlu.engine import BuiltinNLU
from bot.storage.conversations import Conversations
from bot.storage.database import create
from bot.storage.models import Contact, Feedback, Message, UnansweredQuestion
from tests.people import KEY, Person, choices, text


def test_first_contact_confirms_the_language_then_answers_the_waiting_question(dialogue: Dialogue) -> None:
    person = Person(dialogue)
    menu = person.says("ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ, ਕਿਵੇਂ ਲੱਭਾਂ")
    assert menu[0].language == "pa" and "ਪੰਜਾਬੀ" in menu[0].text  # asked in the guessed language
    labels = [c.label for c in menu[0].choices]
    assert labels[0] == "ਪੰਜਾਬੀ" and {"English", "العربية", "فارسی", "Українська", "中文 (简体)"} <= {
        label.lstrip(RLM) for label in labels}  # every language named in its own script
    answer = person.says("1")
    assert answer[-1].language == "pa"
    assert "Health Connect Registry" in answer[-1].text and "https://" in answer[-1].text
    assert choices(answer) == ["helpful:yes:family-doctor", "helpful:no:family-doctor", "person:talk"]


def test_a_menu_answers_to_its_number_in_any_script_and_to_its_label(dialogue: Dialogue) -> None:
    person = Person(dialogue)
    number = str(choices(person.says("مرحبا")).index("lang:pa") + 1)
    arabic_indic = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert person.says(arabic_indic)[0].language == "pa"
    person.says("/language")
    wrong = person.says("40")
    assert wrong[0].language == "pa" and "12" in wrong[0].text  # "a number from 1 to 12", in Punjabi
    assert person.says("ukrainian")[0].language == "uk"  # the menu is still on offer after a wrong number
    person.says("/language")
    assert person.says("Français")[0].language == "fr"


def test_an_emergency_interrupts_a_menu_and_the_menu_stays(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    person.says("/menu")
    crisis = person.says("my husband hits me and i am scared")
    assert "9-1-1" in text(crisis) and "VictimLinkBC" in text(crisis)
    assert choices(person.says("1"))[0] == "entry:finding-a-rental"  # the topic menu still answers: Housing


def test_an_emergency_comes_first_even_before_the_language_is_known(dialogue: Dialogue) -> None:
    replies = Person(dialogue).says("я хочу вбити себе")
    assert "9-8-8" in text(replies) and replies[0].language == "uk"


def test_two_fallbacks_lead_to_the_offer_of_a_person(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    first = person.says("asdf qwer zxcv")
    assert "say it another way" in text(first)
    second = person.says("purple banana keyboard")
    assert "partner agency" in text(second) and choices(second) == ["person:yes", "person:no"]
    consent = person.says("1")
    assert "Harbourview" in text(consent) and choices(consent) == ["consent:yes", "consent:no"]
    with sessions() as session:
        kept = session.scalars(select(UnansweredQuestion.text).order_by(UnansweredQuestion.id)).all()
    assert kept == ["asdf qwer zxcv", "purple banana keyboard"]  # the staff's to-do list


def test_feedback_is_stored_against_the_entry(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    answer = person.says("how do i apply for msp")
    assert "MSP" in answer[0].text and "Last checked:" in answer[0].text
    person.presses("helpful:no:msp-enrolment")
    person.presses("helpful:yes:msp-enrolment")  # pressed again, or the other button: still one vote
    person.says("1")
    with sessions() as session:
        assert [(f.entry_id, f.helpful) for f in session.scalars(select(Feedback))] == [("msp-enrolment", False)]


def test_two_close_entries_are_offered_as_a_choice(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    replies = person.says("landlord wont give back my deposit")
    assert set(choices(replies)) == {"entry:finding-a-rental", "entry:tenant-rights-deposits"}
    assert "Residential Tenancy Branch" in text(person.says("2") if choices(replies)[1].endswith("deposits")
                                                else person.says("1"))


def test_an_sms_user_gets_the_short_answer(dialogue: Dialogue) -> None:
    person = Person(dialogue, brief=True).with_language("en")
    answer = person.says("how do i apply for msp")[0]
    entry = dialogue.kb.entries["msp-enrolment"].text["en"]
    assert entry.sms in answer.text and entry.answer.strip() not in answer.text


def test_a_long_message_in_another_language_offers_a_switch_once(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    offer = person.says("мені потрібен сімейний лікар для дитини")
    assert offer[0].language == "uk" and choices(offer) == ["lang:uk", "lang:en"]
    kept = person.presses("lang:en")
    assert kept[-1].language == "en" and "Health Connect Registry" in text(kept)  # the question is answered
    again = person.says("де знайти сімейного лікаря для дитини")
    assert again[0].language == "en" and "lang:uk" not in choices(again)  # not asked twice


def test_state_survives_a_restart(nlu: BuiltinNLU, sessions) -> None:
    kb = load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0]
    Person(Dialogue(nlu, kb, sessions, KEY)).with_language("ar").says("/menu")
    restarted = Person(Dialogue(nlu, kb, sessions, KEY))
    replies = restarted.says("4")  # the fourth topic of the menu shown before the restart
    assert replies[0].language == "ar" and "entry:msp-enrolment" in choices(replies)


def test_right_to_left_replies_keep_numbers_and_names_readable(dialogue: Dialogue) -> None:
    from bidi import get_display

    def shown(line: str) -> str:  # left to right, as a screen shows it, without the invisible marks
        return get_display(line).translate({ord(LRM): None, ord(RLM): None})

    person = Person(dialogue).with_language("fa")
    answer = person.presses("entry:healthlinkbc-811")[0]
    url = dialogue.kb.entries["healthlinkbc-811"].source
    lines = answer.text.split("\n")
    assert all(line.startswith(RLM) for line in lines if line)  # each line reads from the right
    title = next(line for line in lines if "HealthLinkBC" in line)
    # The title starts with a Latin name: the mark makes it read from the right all the same.
    assert shown(title).endswith("HealthLinkBC 8-1-1")
    assert shown(title.lstrip(RLM)).startswith("HealthLinkBC")  # what it would be without the mark
    source = next(line for line in lines if url in line)
    assert shown(source).startswith(url + " :")  # the address whole, at the line's end (the left)


def test_a_missing_translation_shows_english_with_a_notice(nlu: BuiltinNLU, sessions, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", directory)
    path = directory / "entries" / "healthcare-a.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line == "      pa:")  # the first entry's Punjabi
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("      ") and
               not lines[i].startswith("       "))
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
    kb, warnings = load_knowledge_base(directory, require_translations=False)  # as a running bot loads it
    assert any("no 'pa' text (English is shown instead)" in str(w) for w in warnings)
    first = next(e for e in kb.entries.values() if "pa" not in e.text)
    person = Person(Dialogue(nlu, kb, sessions, KEY)).with_language("pa")
    answer = person.presses(f"entry:{first.id}")[0]
    assert first.text["en"].title in answer.text and "ਪੰਜਾਬੀ" in answer.text.split("\n")[0]


def test_no_raw_contact_identifier_is_stored(dialogue: Dialogue, database_url: str) -> None:
    Person(dialogue, sender="+16045550199").with_language("en").says("how do i apply for msp")
    engine = create(database_url)
    with engine.connect() as connection:
        for table in (Contact, Message):
            for row in connection.execute(select(table.__table__)):
                assert "6045550199" not in repr(tuple(row))


def test_an_edit_to_the_knowledge_base_is_answered_at_once_and_a_broken_one_is_not(
        nlu: BuiltinNLU, sessions, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", directory)
    dialogue = Dialogue(nlu, LiveKnowledge(directory, interval=0), sessions, KEY)
    person = Person(dialogue).with_language("en")
    path = directory / "entries" / "healthcare-a.yml"
    good = path.read_text(encoding="utf-8")
    old_title = "Enrol in MSP, BC's public health insurance"
    path.write_text(good.replace(old_title, "Apply for MSP, BC's health insurance"), encoding="utf-8")
    assert "Apply for MSP, BC's health insurance" in text(person.says("how do i apply for msp"))
    path.write_text(good.replace("    topic: healthcare\n", "    topic: [healthcare\n", 1), encoding="utf-8")
    with caplog.at_level("ERROR", logger="settlebot"):
        assert "Apply for MSP, BC's health insurance" in text(person.says("how do i apply for msp"))
    assert f"{path}:" in caplog.text and "last good version" in caplog.text


def test_a_number_with_no_menu_on_screen_is_not_a_question(dialogue: Dialogue, sessions) -> None:
    stranger = Person(dialogue, sender="stranger")
    assert choices(stranger.says("3"))[0] == "lang:en"  # a stranger's "3": the language menu, no guess
    assert "Mental health" not in text(stranger.says("1"))
    person = Person(dialogue).with_language("en")
    person.says("bye")
    assert choices(person.says("1")) == [f"topic:{t}" for t in dialogue.kb.topics]
    with sessions() as session:
        assert session.scalars(select(UnansweredQuestion)).all() == []


def test_a_waiting_question_waits_for_one_answer_only(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    person.says("мені потрібен сімейний лікар для дитини")  # a switch is offered, and ignored
    assert "MSP" in text(person.says("how do i apply for msp"))
    person.says("/language")
    later = person.says("1")
    assert "family doctor" not in text(later).casefold()  # the old question is not answered out of nowhere
    stranger = Person(dialogue, sender="stranger")
    stranger.says("where can I find a family doctor")
    stranger.says("klingon")  # not a language in the menu: the question still waits
    assert "Health Connect Registry" in text(stranger.says("English"))


def test_an_unsure_first_guess_is_not_used(dialogue: Dialogue) -> None:
    menu = Person(dialogue).says("hi")
    assert menu[0].language == "en" and "I think you wrote" not in menu[0].text


def test_a_strangers_wrong_number_is_answered_in_the_guessed_language(dialogue: Dialogue) -> None:
    person = Person(dialogue)
    person.says("مرحبا، أحتاج إلى مساعدة في السكن")
    wrong = person.says("15")
    assert wrong[0].language == "ar" and "12" in wrong[0].text


def test_language_names_are_understood_in_the_readers_language(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("fr")
    person.says("/language")
    assert person.says("anglais")[0].language == "en"
    person.says("/language")
    assert person.says("farsi")[0].language == "fa"


def test_a_command_carrying_a_crisis_is_an_emergency(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    assert "9-1-1" in text(person.says("/help my husband hits me"))


def test_an_unknown_command_gets_help_and_is_not_a_fallback(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    assert "/language" in text(person.says("/foo"))
    with sessions() as session:
        assert session.scalars(select(UnansweredQuestion)).all() == []


def test_after_an_emergency_a_number_does_not_answer_a_hidden_question(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    person.says("how do i apply for msp")  # "Was this helpful?" 1 Yes 2 No
    person.says("my husband hits me and i am scared")
    person.says("2")
    with sessions() as session:
        assert session.scalars(select(Feedback)).all() == []


def test_a_person_is_offered_from_the_services_the_entry_lists(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    person.presses("entry:mental-health")
    person.presses("helpful:no:mental-health")
    agency = text(person.presses("person:yes"))
    assert "Maple Bridge" in agency and "Newcomer counselling" in agency and "Open:" in agency
    assert "Do you agree?" in agency


def test_a_choice_removed_by_an_edit_leads_back_to_the_menu(nlu: BuiltinNLU, sessions, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", directory)
    person = Person(Dialogue(nlu, LiveKnowledge(directory, interval=0), sessions, KEY)).with_language("en")
    person.presses("topic:healthcare")  # 1. Enrol in MSP ...
    path = directory / "entries" / "healthcare-a.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: msp-enrolment", "id: msp"), encoding="utf-8")
    assert choices(person.says("1"))[0].startswith("topic:")
    assert "MSP" in text(person.says("how do i apply for msp"))


def test_arabic_and_persian_crisis_lines_keep_their_numbers_whole(dialogue: Dialogue) -> None:
    from bidi import get_display

    for language, message in (("ar", "زوجي يضربني"), ("fa", "شوهرم منو میزنه")):
        reply = Person(dialogue, sender=language).says(message)[0]
        for line in reply.text.split("\n"):
            shown = get_display(line)
            for number in re.findall(r"\d[\d-]*\d", line):
                assert number in shown, (language, number, shown)


def test_one_persons_turns_never_interleave(sessions) -> None:
    """Two processes taking the same person's messages at once: the second waits for the first."""
    conversations = Conversations(sessions)

    def turn() -> None:
        with conversations.open("someone", "console") as conversation:
            seen = conversation.state.get("turns", 0)
            time.sleep(0.3)
            conversation.state["turns"] = seen + 1

    threads = [threading.Thread(target=turn) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with conversations.open("someone", "console") as conversation:
        assert conversation.state["turns"] == 2


def test_a_person_can_see_and_erase_what_is_kept(dialogue: Dialogue, database_url: str) -> None:
    person = Person(dialogue, sender="+16045550111").with_language("en")
    person.says("how do i apply for msp")
    privacy = text(person.says("/privacy"))
    assert "messages for 30 days" in privacy
    assert "how to reach you" not in privacy  # the console cannot push: no address is kept
    mine = text(person.says("/mydata"))
    assert "Your language: English" in mine and "Messages I keep:" in mine and "You have no requests." in mine
    confirm = person.says("/delete")
    assert choices(confirm) == ["erase:yes", "erase:no"]
    assert "Nothing was erased" in text(person.presses("erase:no"))
    person.says("/delete")
    assert "I erased everything" in text(person.presses("erase:yes"))
    with create(database_url).connect() as connection:
        for table in ("contacts", "messages", "feedback"):
            assert connection.execute(select(func.count()).select_from(sql_text(table))).scalar() == 0, table
    assert choices(person.says("hello"))[0].startswith("lang:")  # a stranger again


def test_a_redelivered_message_is_answered_once(dialogue: Dialogue, sessions) -> None:
    first = dialogue.handle(Inbound("telegram", "42", "how do i apply for msp", delivery_id="9001"))
    again = dialogue.handle(Inbound("telegram", "42", "how do i apply for msp", delivery_id="9001"))
    assert first and again == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.inbound)) == 1
