import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions.models import Mood
from interactions.mood import MAX_CHARS, explain_mood, hostile_phrases_found, suggest_mood

TEAM_PHRASES = ["you people are useless", "waste of space"]

# Realistic client mail, with what an experienced agent would call it. The comments give
# VADER's compound score where it decides between calm and frustrated (FRUSTRATED_AT = -0.6).
SENTENCES = [
    ("Thank you so much for your help, all sorted now.", Mood.CALM),
    ("Hi, could you tell me when my refund will arrive? Thanks.", Mood.CALM),
    ("Hello, my order number is 12345. Can you confirm the delivery date?", Mood.CALM),
    ("I have a problem with my invoice, the VAT number is missing.", Mood.CALM),  # -0.56
    ("My husband died last month and I need to close his account.", Mood.CALM),  # -0.56
    ("The product stopped working after two days. Can I get a replacement?", Mood.CALM),  # -0.23
    ("THANK YOU SO MUCH, YOU ARE STARS!!!", Mood.CALM),  # capitals and "!!!" in delight
    ("Please call me back!!!", Mood.CALM),
    ("I am still waiting for my refund. This is the third time I have written.", Mood.FRUSTRATED),  # 0.0
    ("Still waiting, this is the third time I ask.", Mood.FRUSTRATED),  # 0.0
    ("Nobody has replied to my last two emails and I am getting tired of this.", Mood.FRUSTRATED),  # -0.44
    ("I am disappointed, the parcel arrived damaged.", Mood.FRUSTRATED),  # -0.72
    ("Your service has been very poor and frustrating.", Mood.FRUSTRATED),  # -0.76
    ("WHERE IS MY REFUND? I ORDERED IT THREE WEEKS AGO.", Mood.FRUSTRATED),  # capitals alone: one step
    ("This is unacceptable. I want my money back today.", Mood.ANGRY),
    ("This is ridiculous, three weeks and still nothing.", Mood.ANGRY),
    ("If this is not fixed by Friday I will contact my lawyer.", Mood.ANGRY),
    ("THIS IS UNACCEPTABLE, I HAVE BEEN WAITING FOR WEEKS.", Mood.ANGRY),
    ("WHERE IS MY REFUND?? I HAVE BEEN WAITING FOR WEEKS!!!", Mood.ANGRY),  # capitals and "!!!"
    ("I AM STILL WAITING FOR MY REFUND. THIS IS THE THIRD TIME I WRITE.", Mood.ANGRY),
    ("You are a bunch of incompetent morons.", Mood.ABUSIVE),
    ("Fix it today or you'll regret it.", Mood.ABUSIVE),
    ("I know where your office is. I will find you.", Mood.ABUSIVE),
    ("Honestly, You  People... are USELESS!", Mood.ABUSIVE),  # the team's phrase
    ("What a waste\tof space.", Mood.ABUSIVE),  # the team's phrase
]


@pytest.mark.parametrize(("text", "mood"), SENTENCES)
def test_realistic_client_mail_gets_the_expected_mood(text, mood):
    assert suggest_mood(text, hostile_phrases=TEAM_PHRASES) == mood


def test_a_phrase_from_the_teams_list_is_abusive_and_named_in_the_reasons():
    mood, reasons = explain_mood("Thanks. You people are useless.", TEAM_PHRASES)
    assert mood == Mood.ABUSIVE
    assert reasons == ["contains “you people are useless” from the team's list"]


def test_without_the_teams_list_the_same_text_is_not_abusive():
    assert suggest_mood("Thanks. You people are useless.") != Mood.ABUSIVE


def test_the_reasons_say_why_the_mood_went_up():
    mood, reasons = explain_mood("WHERE IS MY REFUND?? I HAVE BEEN WAITING FOR WEEKS!!!")
    assert (mood, reasons) == (Mood.ANGRY, ["written in capitals", "many exclamation marks"])
    assert explain_mood("Still waiting, this is the third time I ask.") == (
        Mood.FRUSTRATED,
        ["says “still waiting”", "says “third time”"],
    )
    assert explain_mood("Thank you, all sorted.") == (Mood.CALM, [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("You PEOPLE   are useless", ["you people are useless"]),
        ("you people, are... useless!!", ["you people are useless"]),
        ("you people are\nuseless", ["you people are useless"]),
        ("I will sue you.", ["sue"]),
        ("I have an issue with my order.", []),  # "sue" inside a word
        ("Pursue it, please.", []),
        ("you people are useful", []),
        ("you people are uselessly slow", []),
    ],
)
def test_phrases_match_whole_words_whatever_the_case_spacing_and_punctuation(text, found):
    assert hostile_phrases_found(text, ["you people are useless", "sue"]) == found


def test_phrases_are_returned_as_the_team_wrote_them_and_once():
    assert hostile_phrases_found("WASTE OF SPACE", ["Waste of space", "waste  of space", "other"]) == ["Waste of space"]


def test_a_phrase_without_words_matches_nothing():
    assert hostile_phrases_found("Hello!!! How are you?", ["!!!", "  ", ""]) == []
    assert suggest_mood("Hello, how are you?", hostile_phrases=["!!!"]) == Mood.CALM


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", None])
def test_empty_text_is_calm(text):
    assert explain_mood(text) == (Mood.CALM, [])
    assert hostile_phrases_found(text, ["idiot"]) == []


def test_a_one_megabyte_message_is_read_up_to_the_cap_and_quickly():
    text = "I am still waiting for my refund and this is not good. " * 20_000
    assert len(text) > 1_000_000
    started = time.monotonic()
    assert suggest_mood(text + " you people are useless", hostile_phrases=TEAM_PHRASES) == Mood.FRUSTRATED
    assert time.monotonic() - started < 5
    # A phrase beyond the cap is not looked for.
    assert hostile_phrases_found("x" * MAX_CHARS + " idiot", ["idiot"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, je n'ai toujours pas reçu mon colis. Pouvez-vous vérifier ?",
        "Das ist eine Frechheit, ich warte seit drei Wochen auf mein Geld.",
        "Hola, ¿cuándo llega mi pedido? Gracias.",
        "注文した商品がまだ届いていません。確認してください。",
        "Здравствуйте, я до сих пор жду возврата денег.",
        "لم أستلم طلبي بعد",
    ],
)
def test_text_in_other_languages_is_calm_or_frustrated(text):
    assert suggest_mood(text, hostile_phrases=TEAM_PHRASES) in {Mood.CALM, Mood.FRUSTRATED}


def test_phrases_in_other_languages_match():
    assert hostile_phrases_found("Vous êtes des INCAPABLES !", ["vous êtes des incapables"]) == [
        "vous êtes des incapables"
    ]


def test_emoji_are_read_without_trouble():
    assert suggest_mood("Thanks 😊🙏") == Mood.CALM
    assert suggest_mood("😡😡😡 where is my order") in {Mood.CALM, Mood.FRUSTRATED}
    assert suggest_mood("🤬🤬 you idiots 🤬") == Mood.ABUSIVE


@settings(max_examples=300, deadline=None)
@given(text=st.text(), phrases=st.lists(st.text(max_size=20), max_size=5))
def test_any_text_gets_a_mood_and_never_an_error(text, phrases):
    mood, reasons = explain_mood(text, phrases)
    assert mood in Mood.values
    assert all(isinstance(reason, str) for reason in reasons)
    assert set(hostile_phrases_found(text, phrases)) <= set(phrases)


@pytest.mark.parametrize(
    "text", ["\ud800 lone surrogate", "\x00\x00\x07", "\u202eoverride", "İ ß ǅ", ":( </3", "\r\n" * 10_000]
)
def test_odd_characters_get_a_mood_and_never_an_error(text):
    assert suggest_mood(text, hostile_phrases=["\udfff x", "İ"]) in Mood.values


def test_a_threat_the_team_also_listed_is_named_once():
    assert explain_mood("You IDIOTS.", ["idiots"]) == (Mood.ABUSIVE, ["contains “idiots” from the team's list"])
    assert explain_mood("You idiots.") == (Mood.ABUSIVE, ["contains “idiots”, a threat or insult"])
