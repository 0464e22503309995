"""Planted-fact probes: synthetic products whose reviews agree on known facts, with the facts' polarity recorded.

Each probe product has three facts; every review states two or three of them in its own words.
A summary in any mode must state the facts with their polarity (coverage), and must not state
a fact with the other polarity (contradiction) or a claim about something no fact names
(invention). `manage.py evaluate_summaries` and the test suite both run them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reviews.aspects import Aspect, ReviewText, words_split
from reviews.sentiment import polarities_score, polarity_label


@dataclass(frozen=True)
class Fact:
    keyword: str
    """The word any statement of the fact uses."""
    polarity: int
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class Probe:
    name: str
    facts: tuple[Fact, Fact, Fact]

    def reviews(self) -> list[ReviewText]:
        """Eight reviews; review n states fact (n + k) in phrasing n, for two or three of the facts."""
        reviews = []
        for n in range(8):
            sentences = [fact.phrasings[n % len(fact.phrasings)] for k, fact in enumerate(self.facts) if (n + k) % 4]
            rating = 4 if sum(fact.polarity for fact in self.facts) > 0 else 2
            reviews.append(ReviewText(id=n + 1, rating=rating + (n % 2), text=" ".join(sentences)))
        return reviews


def F(keyword: str, polarity: int, *phrasings: str) -> Fact:
    return Fact(keyword=keyword, polarity=polarity, phrasings=phrasings)


SMELL = F(
    "smell", -1, "It has a strong chemical smell.", "The smell of chemicals is awful.", "Bad smell out of the bag."
)
TRAVEL = F("travel", 1, "Great for travel.", "Perfect travel companion.", "I take it on every travel trip, great.")
STRAPS = F("straps", -1, "The straps dig in painfully.", "Straps dig into my shoulders.", "Thin straps that hurt.")
BATTERY = F("battery", 1, "The battery lasts two days.", "Battery life is excellent.", "Great battery, lasts ages.")
COLOUR_DARK = F(
    "photo", -1, "Much darker than the photo.", "Looks nothing like the photo, too dark.", "Darker than photo."
)
WAIST = F("waistband", -1, "The waistband has no elastic.", "Waistband slides down, no elastic.", "Bad waistband.")
FABRIC = F("fabric", 1, "The fabric is so soft.", "Lovely soft fabric.", "Fabric feels wonderful.")
ZIPPER = F("zipper", -1, "The zipper broke quickly.", "Zipper got stuck constantly.", "Cheap zipper that snagged.")
POCKETS = F("pockets", 1, "Love the deep pockets.", "The pockets are great.", "Handy pockets, very useful.")
LID = F("lid", -1, "The lid leaks everywhere.", "Lid does not seal and it leaks.", "Leaky lid, terrible.")
NOISE = F("noise", -1, "The noise is unbearable.", "Way too much noise.", "Loud noise when running.")
SETUP = F("setup", 1, "Setup took two minutes, easy.", "Easy setup.", "The setup was simple and quick.")
WARMTH = F("warm", 1, "Keeps me very warm.", "So warm in winter.", "Warm and cozy.")
SLEEVES = F(
    "sleeves", -1, "The sleeves are far too long.", "Sleeves way too long.", "Long sleeves that bunch up badly."
)
HANDLE = F("handle", -1, "The handle broke in a week.", "Flimsy handle snapped.", "Handle feels cheap and wobbly.")
SCREEN = F("screen", 1, "The screen is bright and sharp.", "Gorgeous screen.", "Screen looks great.")
CHARGER = F("charger", -1, "The charger stopped working.", "Charger died fast.", "Bad charger, stopped charging.")
WHEELS = F("wheels", 1, "The wheels roll smoothly.", "Smooth wheels.", "Great wheels, glide easily.")
BLADE = F("blade", 1, "The blade is very sharp.", "Sharp blade, cuts cleanly.", "Excellent blade.")
CUSHION = F("cushion", 1, "The cushion is comfortable.", "Comfortable cushion.", "Cushion feels great to sit on.")
SHEER = F("sheer", -1, "It is sheer and see-through.", "Too sheer to wear alone.", "Sheer, you can see through it.")
BUTTONS = F("buttons", -1, "The buttons fell off.", "Buttons came loose after one wash.", "Cheap buttons.")
INSTRUCTIONS = F("instructions", -1, "The instructions are confusing.", "Useless instructions.", "Bad instructions.")
GRIP = F("grip", 1, "The grip is excellent.", "Great grip in the rain.", "Grip feels secure.")

PROBES: tuple[Probe, ...] = (
    Probe("Yoga Mat", (SMELL, GRIP, TRAVEL)),
    Probe("Camisole", (STRAPS, FABRIC, SHEER)),
    Probe("Headphones", (BATTERY, CHARGER, TRAVEL)),
    Probe("Linen Dress", (COLOUR_DARK, FABRIC, POCKETS)),
    Probe("Pull-on Trousers", (WAIST, FABRIC, POCKETS)),
    Probe("Hoodie", (ZIPPER, WARMTH, POCKETS)),
    Probe("Water Bottle", (LID, TRAVEL, HANDLE)),
    Probe("Air Purifier", (NOISE, SETUP, INSTRUCTIONS)),
    Probe("Winter Coat", (WARMTH, BUTTONS, SLEEVES)),
    Probe("Suitcase", (WHEELS, HANDLE, ZIPPER)),
    Probe("Tablet", (SCREEN, BATTERY, CHARGER)),
    Probe("Kitchen Knife", (BLADE, HANDLE, GRIP)),
    Probe("Office Chair", (CUSHION, SETUP, WHEELS)),
    Probe("Blouse", (SHEER, BUTTONS, FABRIC)),
    Probe("Sweater", (SLEEVES, WARMTH, SMELL)),
    Probe("Backpack", (STRAPS, POCKETS, ZIPPER)),
    Probe("Desk Lamp", (SETUP, INSTRUCTIONS, NOISE)),
    Probe("Rain Jacket", (ZIPPER, POCKETS, TRAVEL)),
    Probe("Phone Case", (GRIP, COLOUR_DARK, BUTTONS)),
    Probe("Car Seat Cushion", (CUSHION, SMELL, TRAVEL)),
    Probe("Bike Light", (BATTERY, CHARGER, SETUP)),
    Probe("Travel Mug", (LID, HANDLE, TRAVEL)),
)


@dataclass
class ProbeResult:
    probe: str
    covered: int
    contradictions: list[str]
    invented: list[str]


def _mentions(sentence: str, keyword: str) -> bool:
    words = {word.rstrip("s") for word in words_split(sentence)}
    return keyword.rstrip("s") in words


def probe_check(*, probe: Probe, text: str, sentences: Sequence[str]) -> ProbeResult:
    """Coverage of the three facts with their polarity, contradicted facts and sentences about no fact.

    A sentence's polarity about a fact is read from its clause that names the fact's keyword;
    the rating sentence (stars only) names no fact and claims nothing beyond the ratings.
    """
    from reviews.aspects import clauses_split

    covered = 0
    contradictions: list[str] = []
    invented: list[str] = []
    for sentence in sentences:
        if sentence.startswith("Customers rate it"):
            continue
        named = [fact for fact in probe.facts if _mentions(sentence, fact.keyword)]
        if not named:
            invented.append(sentence)
    for fact in probe.facts:
        stated = []
        for sentence in sentences:
            for clause in clauses_split(sentence.split(" (“")[0]) or [sentence]:
                if _mentions(clause, fact.keyword):
                    stated.append(_stated_polarity(sentence=sentence, clause=clause))
        if fact.polarity in stated:
            covered += 1
        if -fact.polarity in stated:
            contradictions.append(f"{fact.keyword}: stated {'positive' if fact.polarity < 0 else 'negative'}")
    return ProbeResult(probe=probe.name, covered=covered, contradictions=contradictions, invented=invented)


def _stated_polarity(*, sentence: str, clause: str) -> int:
    """The extractive frame says its polarity in words; a written sentence's clause is read by the classifier."""
    if sentence.startswith("Customers praise"):
        return 1
    if sentence.startswith("Customers criticise"):
        return -1
    if sentence.startswith("Customers are divided"):
        return 0
    return polarity_label(float(polarities_score(texts=[clause])[0]))


def probes_run(
    *, summarise: Callable[[Probe, list[ReviewText], list[Aspect]], list[str]], aspects_of: Callable
) -> list[ProbeResult]:
    """Each probe summarised by `summarise(probe, reviews, aspects)` (the summary's sentences) and checked."""
    results = []
    for probe in PROBES:
        reviews = probe.reviews()
        aspects = aspects_of(reviews=reviews, excluded_words=[probe.name])
        sentences = summarise(probe, reviews, aspects)
        results.append(probe_check(probe=probe, text=" ".join(sentences), sentences=sentences))
    return results
