"""Shoppers' review words: the same reviews always give the same words, so an unchanged product is not re-embedded."""

from search.review_text import review_phrases


def test_the_same_reviews_in_any_order_give_the_same_words_most_used_first():
    reviews = ["Zebra print, apple green", "zebra apple", "mango and kiwi", "kiwi mango", "zebra stripes"]
    words = review_phrases(texts=reviews)
    assert words == "zebra apple kiwi mango"
    assert review_phrases(texts=list(reversed(reviews))) == words
    assert review_phrases(texts=reviews[2:] + reviews[:2]) == words
