"""wordfreq's lists streamed to a floor hold exactly the words wordfreq itself lists there."""

import pytest
import wordfreq

from bot.wordlists import frequency_buckets


@pytest.mark.parametrize(("lang", "floor"), [("en", 5.0), ("en", 1.0), ("ja", 3.5)])
def test_streamed_buckets_match_wordfreq_down_to_the_floor(lang: str, floor: float) -> None:
    expected = wordfreq.get_frequency_list(lang)[: round((9.0 - floor) * 100) + 1]
    streamed = list(frequency_buckets(lang, floor))
    assert [words for _, words in streamed] == expected
    assert all(zipf >= floor for zipf, _ in streamed)
    if lang != "en":
        return  # wordfreq's own lookup of Japanese words needs a MeCab it does not ship
    # The zipf given is the one wordfreq reports for the bucket's words.
    for zipf, words in streamed[::97]:
        for word in words[:3]:
            assert wordfreq.zipf_frequency(word, lang) == pytest.approx(zipf, abs=0.011)


def test_a_language_wordfreq_does_not_list_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="no word list for 'xx'"):
        list(frequency_buckets("xx", 3.0))
