from decisions.interests.matching import DecisionText, match, significant


def test_stop_words_and_company_words_are_ignored():
    assert significant("The Acme Security Ltd") == ["acme", "security"]
    assert significant("Ltd & Co") == []


def test_phrase_in_the_title_matches_and_says_why():
    text = DecisionText.of("Contract with Acme Security for CCTV", "Summary.")
    found = match("Acme Security Ltd", text)
    assert found is not None and found.where == "title"
    assert "“acme security”" in found.why


def test_all_words_anywhere_in_the_record_match():
    text = DecisionText.of("Training contract", "Awarded to Security Acme after tender.")
    found = match("Acme Security", text)
    assert found is not None and found.where == "text"
    assert "“acme”, “security”" in found.why


def test_one_shared_word_of_a_longer_name_does_not_match():
    text = DecisionText.of("Warwickshire Prevent procedure", "For Warwickshire.")
    assert match("Warwickshire Youth Sailing Trust", text) is None


def test_accents_case_and_punctuation_are_normalised():
    text = DecisionText.of("Grant to CAFÉ-Société", "")
    assert match("Café Société", text) is not None


def test_empty_names_never_match():
    assert match("", DecisionText.of("Anything", "")) is None
