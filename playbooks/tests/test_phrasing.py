import pytest

from playbooks.phrasing import check_phrasing


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("Please calm down, sir.", "calm down"),
        ("It's our policy not to refund.", "It's our policy"),
        ("It\u2019s company policy.", "It\u2019s company policy"),  # a typographic apostrophe
        ("You should have read the terms.", "You should have"),
        ("That's not my department.", "That's not my department"),
        ("There is nothing we can do.", "There is nothing we can do"),
        ("We will call you back today.", None),
        ("There's nothing we can do.", "There's nothing we can do"),
        ("As I already said, the visit is Monday.", "As I already said"),
    ],
)
def test_inflaming_phrases_are_found_whatever_the_case_and_apostrophe(text, phrase):
    warnings = check_phrasing(text)
    if phrase is None:
        assert warnings == []
    else:
        assert [w.phrase for w in warnings] == [phrase]
        assert warnings[0].suggestion and warnings[0].why
        assert text[warnings[0].start : warnings[0].end] == phrase


def test_gentle_text_has_no_warnings():
    assert check_phrasing("I can see why that is frustrating. Here is what I can do today.") == []
    assert check_phrasing("") == []


def test_words_inside_other_words_do_not_match():
    assert check_phrasing("The relaxation room is open.") == []


def test_several_phrases_come_back_in_text_order():
    warnings = check_phrasing("You should have called. Calm down, it is our policy.")
    assert [w.phrase for w in warnings] == ["You should have", "Calm down", "it is our policy"]
