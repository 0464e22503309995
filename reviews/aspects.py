"""Aspects of a product that its reviews talk about, computed without the LLM, so they never invent.

Candidate phrases (nouns and two-word phrases ending in a noun that several reviews use, without
function words, opinion words, colours, units, size names and the names of garments) are grouped by
meaning with the shop's text encoder; each group is an aspect, named by its most used phrase.
Each clause that mentions it gets a polarity from the shop's sentiment classifier
(`reviews.sentiment`), each mentioning review a side, and the aspect the sides' balance; its
quotes are verbatim clauses that say what most mentions say.
"""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from lemminflect import getAllLemmas

from ml.encoders import text_encoder_get

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
CLAUSE = re.compile(r";|,?\s+\b(?:but|though|although|however|except|yet|whereas)\b", re.IGNORECASE)
MAX_CANDIDATES = 40
MAX_ASPECTS = 6
SAME_MEANING = 0.72
MIN_SHARE = 0.08
QUOTE_MAX_CHARS = 180

# Function words, opinion words (they carry sentiment, not aspects) and the generic names shoppers
# give the product itself ("this top"): none of them is an aspect.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am an and another any anyone anything are aren't
    around as at away back be became because become been before being below between both but by came can can't cannot
    come comes could couldn't did didn't do does doesn't doing don't done down during each either else enough even ever
    every everything few first for found from further get gets getting give given go goes going got had hadn't has
    hasn't have haven't having he her here hers herself him himself his how however i i'd i'll i'm i've if in into is
    isn't it it's its itself just keep kind last least less let like liked likes lot lots made make makes many may me
    might mine more most much must my myself need needed needs never new next no nor not now of off often on once one
    ones only onto or other others otherwise our ours out over own per perhaps put quite rather re really right said
    same saw say says see seem seemed seems seen several she should shouldn't since so some someone something sometimes
    somewhat still such sure take than that that's the their theirs them themselves then there there's these they
    they're thing things think this those though thought through thru to too took toward try tried two under until up
    upon us use used using usually very via want wanted wants was wasn't way we well went were weren't what when where
    whether which while who whom whose why will with within without won't would wouldn't yet you you'd you'll you're
    you've your yours yourself ordered order ordering bought buy buying purchase purchased wear wearing wore worn tried
    try trying received arrived return returned returning returns item items product products piece pieces store
    online retailer sale review reviews reviewer reviewers time times day days year years week weeks month months today
    bit usual definitely absolutely especially actually probably totally pretty super extremely highly slightly
    overall anyway already though yes able unless fact reason reasons decided recommend recommended wish hope glad
    happy sad disappointed love loved loves lovely great good nice perfect perfectly beautiful beautifully gorgeous
    cute pretty excellent amazing awesome fantastic wonderful fine ok okay bad poor terrible awful horrible worst best
    better worse comfortable comfy uncomfortable flattering unflattering soft cheap expensive big small little large
    huge tiny long short high low wide narrow tight loose heavy light thin thick looks look looked looking feel feels
    felt feeling fits fitting fitted run runs ran true usually normally typically regular normal sized ordered
    top tops shirt shirts tee tees blouse blouses dress dresses sweater sweaters pants jeans skirt skirts jacket
    jackets coat coats garment outfit outfits clothes clothing pant culotte culottes
    pair pairs shows show showed stays stay stayed goes went makes made gives gave hit hits hits lbs lb pounds inches
    inch ft feet cm kg oz xs xl xxl xxs petite petites regular tall sizes usual normally typical typically medium mediums
    bra bras cami camis tank tanks tunic tunics cardigan cardigans sweatshirt hoodie leggings shorts romper
    jumpsuit vest vests swimsuit bikini pajamas pjs pajama robe suit trousers kimono poncho bottoms piece
    black white ivory cream grey gray red burgundy orange coral yellow mustard green olive blue navy purple pink blush
    brown tan beige camel gold silver teal turquoise mint maroon wine lavender lilac rust charcoal khaki moss
    color colors colour colours shade shades
    mom daughter husband sister friend friends girl girls woman women lady ladies son wife mother model models
    retailer's
    """.split()
)
POSITIVE = frozenset(
    """
    love loved loves lovely great good nice perfect perfectly beautiful beautifully gorgeous cute excellent amazing
    awesome fantastic wonderful comfortable comfy soft flattering flatters elegant classy stylish quality sturdy
    durable well-made recommend recommended happy glad pleased favorite favourite best better compliments versatile
    easy works worked fits flattering warm cozy breathable fun pretty stunning adorable gorgeous impressed
    """.split()
)
NEGATIVE = frozenset(
    """
    bad poor terrible awful horrible worst worse cheap cheaply disappointed disappointing disappointment returned
    return returning unflattering uncomfortable itchy scratchy tight boxy baggy sheer see-through thin flimsy broke
    broken ripped tore torn faded shrank shrunk pilled pilling wrinkles wrinkled frumpy odd weird awkward unfortunately
    sadly huge tiny short too problem problems issue issues defective smell smells snagged unraveled stiff
    """.split()
)
NEGATIONS = frozenset(
    {"not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "aren't", "weren't", "hardly"}
)


@dataclass(frozen=True)
class ReviewText:
    id: int
    rating: int
    text: str


@dataclass(frozen=True)
class Mention:
    """A clause of a review that names an aspect, verbatim, with its polarity in [-1, 1]."""

    review_id: int
    text: str
    polarity: float


@dataclass(frozen=True)
class Aspect:
    name: str
    sentiment: str
    """"positive", "mixed" or "negative": what the mentions say, not the reviews' stars."""
    share: float
    """Share of the reviews that mention it."""
    mentions: int
    """Reviews that mention it."""
    positive: int
    """Reviews whose mentions of it are positive."""
    negative: int
    """Reviews whose mentions of it are negative."""
    mean_rating: float
    quote: str
    """A short verbatim clause that says what most mentions say."""
    quotes: list[str]
    """Up to two such clauses, the first being `quote`."""
    terms: list[str]
    """The phrases merged into this aspect."""
    review_ids: list[int]

    def as_dict(self) -> dict:
        return asdict(self)


def words_split(text: str) -> list[str]:
    return WORD.findall(text.lower())


def sentences_split(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE.split(text) if sentence.strip()]


def clauses_split(sentence: str) -> list[str]:
    """A sentence's clauses, verbatim: "soft fabric but it runs small" says two things of two aspects."""
    return [clause.strip(" ,;-") for clause in CLAUSE.split(sentence) if len(clause.strip(" ,;-")) >= 3]


def opinion_score(*, words: Sequence[str]) -> int:
    """Positive minus negative opinion words, a negation flipping the word after it."""
    score = 0
    for index, word in enumerate(words):
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if sign and any(previous in NEGATIONS for previous in words[max(0, index - 2) : index]):
            sign = -sign
        score += sign
    return score


def sentiment_label(*, positive: int, negative: int) -> str:
    """Of the reviews that take a side on it: positive when three in four praise it, negative when three in five
    complain, mixed otherwise or when none takes a side.

    Reviews that only mention it ("I ordered my usual size") take no side and do not dilute the others.
    """
    sided = positive + negative
    if not sided:
        return "mixed"
    if positive >= 0.75 * sided:
        return "positive"
    if negative >= 0.6 * sided:
        return "negative"
    return "mixed"


def rating_label(*, mean_rating: float) -> str:
    """What the ratings alone would say: the naive baseline the evaluation prints beside the aspects' polarity."""
    if mean_rating >= 3.75:
        return "positive"
    if mean_rating <= 2.5:
        return "negative"
    return "mixed"


# VADER's valence (−4 to 4) from which a word is an opinion ("fun" 2.3, "favorite" 2.0, "compliments" 1.7) rather
# than a thing reviews judge; chosen on the labelled aspects' development half, where "fit" (1.5) is an aspect.
OPINION_VALENCE = 1.6


def _aspect_word_possible(*, word: str, valences: dict[str, float]) -> bool:
    """Whether a word can name an aspect: a noun in English (a thing a shopper weighs: "fabric", "waist", "fit"),
    not an opinion or a manner ("easy", "unique", "curvy") that the stop lists cannot all name.

    Words the lexicon does not know, hyphenated words and gerunds ("sizing") stay out: letting them in, on the
    labelled aspects' development half, brought brand names and no more useful aspects.
    """
    return "NOUN" in getAllLemmas(word) and abs(valences.get(word, 0.0)) < OPINION_VALENCE


def _mentions_term(*, words: list[str], joined: str, terms: set[str]) -> bool:
    return any(term in words or (" " in term and f" {term} " in f" {joined} ") for term in terms)


def _candidates(*, reviews: Sequence[ReviewText], excluded: set[str]) -> list[tuple[str, set[int]]]:
    """Content words and two-word phrases, each with the reviews that use it, most used first."""
    from reviews.sentiment import vader_lexicon

    users: dict[str, set[int]] = {}
    for review in reviews:
        words = words_split(review.text)
        content = [
            word
            if word not in STOP_WORDS and word not in excluded and len(word) > 2 and not word.endswith("ly")
            else None
            for word in words
        ]
        terms = {word for word in content if word}
        terms |= {f"{a} {b}" for a, b in zip(content, content[1:]) if a and b and a != b}
        for term in terms:
            users.setdefault(term, set()).add(review.id)
    minimum = max(2, round(MIN_SHARE * len(reviews)))
    valences = vader_lexicon()
    # A phrase is named by its last word ("fleece lining"), which must be a noun like any one-word aspect.
    ranked = sorted(
        (
            (term, ids)
            for term, ids in users.items()
            if len(ids) >= minimum and _aspect_word_possible(word=term.rsplit(" ", 1)[-1], valences=valences)
        ),
        key=lambda item: (-len(item[1]), item[0]),
    )
    return ranked[:MAX_CANDIDATES]


def _groups(candidates: list[tuple[str, set[int]]]) -> list[list[int]]:
    """Candidates of the same meaning (the text encoder's cosine), each group led by its most used phrase."""
    vectors = text_encoder_get().encode([term for term, _ in candidates])
    groups: list[list[int]] = []
    for index in range(len(candidates)):
        for members in groups:
            if float(np.dot(vectors[members[0]], vectors[index])) >= SAME_MEANING:
                members.append(index)
                break
        else:
            groups.append([index])
    return groups


def _short(text: str) -> str:
    return text if len(text) <= QUOTE_MAX_CHARS else text[: QUOTE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _quotes(*, mentions: list[Mention], label: str) -> list[str]:
    """Up to two verbatim clauses from different reviews that state the aspect's polarity; the clearest, short first."""
    from reviews.sentiment import polarity_label

    wanted = {"positive": (1,), "negative": (-1,), "mixed": (-1, 1)}[label]
    ranked = sorted(
        (mention for mention in mentions if polarity_label(mention.polarity) in wanted and len(mention.text) >= 12),
        key=lambda mention: (-round(abs(mention.polarity), 1), abs(len(mention.text) - 60), mention.review_id),
    )
    if label == "mixed":
        # One of each side, so the quotes show the mix.
        sides = [next((m for m in ranked if polarity_label(m.polarity) == side), None) for side in (1, -1)]
        return [_short(m.text) for m in sides if m is not None]
    chosen: list[Mention] = []
    for mention in ranked:
        if all(mention.review_id != other.review_id for other in chosen):
            chosen.append(mention)
        if len(chosen) == 2:
            break
    return [_short(mention.text) for mention in chosen]


def aspects_compute(*, reviews: Sequence[ReviewText], excluded_words: Sequence[str] = ()) -> list[Aspect]:
    """The aspects most reviews talk about, most mentioned first, with what their mentions say of them.

    `excluded_words` (the product's own name, its category) are not aspects of it.
    """
    from reviews.sentiment import polarities_score, polarity_label

    if not reviews:
        return []
    excluded = {word for text in excluded_words for word in words_split(text)}
    candidates = _candidates(reviews=reviews, excluded=excluded)
    if not candidates:
        return []
    by_id = {review.id: review for review in reviews}
    drafts: list[tuple[str, set[str], list[int]]] = []
    for members in _groups(candidates):
        terms = {candidates[index][0] for index in members}
        ids = sorted(set().union(*(candidates[index][1] for index in members)))
        drafts.append((candidates[members[0]][0], terms, ids))
    drafts.sort(key=lambda draft: (-len(draft[2]), draft[0]))
    drafts = _distinct(drafts)[:MAX_ASPECTS]

    # Every mentioning clause of every kept aspect is scored in one encoder batch.
    found: list[tuple[int, list[tuple[int, str]]]] = []
    for index, (_, terms, ids) in enumerate(drafts):
        clauses = []
        for review_id in ids:
            for sentence in sentences_split(by_id[review_id].text):
                for clause in clauses_split(sentence):
                    words = words_split(clause)
                    if _mentions_term(words=words, joined=" ".join(words), terms=terms):
                        clauses.append((review_id, clause))
        found.append((index, clauses))
    texts = [clause for _, clauses in found for _, clause in clauses]
    scores = iter(polarities_score(texts=texts).tolist())
    aspects = []
    for index, clauses in found:
        name, terms, ids = drafts[index]
        mentions = [Mention(review_id=review_id, text=clause, polarity=next(scores)) for review_id, clause in clauses]
        by_review: dict[int, list[float]] = {}
        for mention in mentions:
            by_review.setdefault(mention.review_id, []).append(mention.polarity)
        sides = [polarity_label(sum(values) / len(values)) for values in by_review.values()]
        positive, negative = sides.count(1), sides.count(-1)
        label = sentiment_label(positive=positive, negative=negative)
        quotes = _quotes(mentions=mentions, label=label)
        aspects.append(
            Aspect(
                name=name,
                sentiment=label,
                share=round(len(ids) / len(reviews), 3),
                mentions=len(ids),
                positive=positive,
                negative=negative,
                mean_rating=round(sum(by_id[i].rating for i in ids) / len(ids), 2),
                quote=quotes[0] if quotes else "",
                quotes=quotes,
                terms=sorted(terms),
                review_ids=ids,
            )
        )
    return aspects


def _distinct(drafts: list[tuple[str, set[str], list[int]]]) -> list[tuple[str, set[str], list[int]]]:
    """Drop a phrase whose words another, more mentioned aspect already names ("true size" after "size")."""
    kept: list[tuple[str, set[str], list[int]]] = []
    for draft in drafts:
        words = set(draft[0].split())
        if not any(words & set(other[0].split()) for other in kept):
            kept.append(draft)
    return kept
