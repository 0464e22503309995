"""The prepared check of the `vllm` LLM backend, for a lent GPU machine (CI has no GPU and no vLLM).

    pip install -r requirements.txt -r requirements-gpu.txt
    LLM_MODEL=/models/Llama-3.1-8B-Instruct python bench/llm_vllm_check.py [--products 64] [--grounded]

Without --grounded it needs no database: it builds the raw-review prompt from a fixed set of
clothing reviews (the same prompt for every product, so the batch measures vLLM's throughput),
generates them all in one `LLM.chat` call through ml.llm, validates each answer with the form
checks, and prints the share that passed, tokens per second and seconds per summary.

With --grounded it runs the grounded mode end to end on the planted-fact probes
(`reviews/probes.py`): the embedded PostgreSQL is started and migrated (the sentiment model is
looked up there; without one, sentence polarity comes from the lexicon and the output says so),
each probe's aspects and brief are built, all briefs go to vLLM in one batch, every answer is
grounded sentence by sentence with the fallback to the extractive summary, and it prints the
grounded share of sentences, the fallback share, the probes' coverage, contradictions and
inventions, and the speed.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = [
    (5, "Love it", "The fabric is soft and the colour is beautiful. I wear it to work all the time."),
    (4, "Runs small", "Pretty dress but it runs small, size up if you are between sizes."),
    (3, "Okay", "The length is odd on me and the fabric wrinkles, but the colour is nice."),
    (2, "Zipper problems", "The zipper broke the second time I wore it. Fabric is nice though."),
    (1, "Returned", "The zipper got stuck and the seams were uneven. Sent it back."),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=64)
    parser.add_argument("--grounded", action="store_true", help="Run the grounded mode end to end on the probes.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # The development settings load without a database; only --grounded queries one.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ["LLM_BACKEND"] = "vllm"
    if args.grounded:
        from config.environment import django_environment_prepare

        django_environment_prepare()
    import django

    django.setup()
    if args.grounded:
        grounded_check()
        return
    from django.conf import settings

    from ml.llm import LLMUnavailable, llm_get
    from reviews.prompt import PromptReview, prompt_build, summary_clean, summary_problems

    reviews = [PromptReview(rating=rating, title=title, body=body) for rating, title, body in REVIEWS]
    messages = prompt_build(reviews=reviews)
    llm = llm_get()
    results = llm.complete_batch(
        conversations=[messages] * args.products,
        max_tokens=settings.REVIEW_SUMMARIES["MAX_OUTPUT_TOKENS"],
        temperature=settings.REVIEW_SUMMARIES["TEMPERATURE"],
    )
    answers = [result for result in results if not isinstance(result, LLMUnavailable)]
    passed = sum(
        not summary_problems(text=summary_clean(text=a.text), reviews=reviews, forbidden_names=[]) for a in answers
    )
    seconds = sum(a.seconds for a in answers)
    tokens = sum(a.completion_tokens for a in answers)
    print(
        f"model {llm.name}: {len(answers)}/{len(results)} answered, {passed / max(1, len(answers)):.1%} passed validation"
    )
    print(f"{tokens / seconds:.1f} tokens/s, {seconds / max(1, len(answers)):.3f} s per summary (one batched call)")
    print("example:", summary_clean(text=answers[0].text) if answers else "-")


def grounded_check() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from ml.llm import LLMUnavailable, llm_get
    from reviews.aspects import aspects_compute
    from reviews.extractive import extractive_summary_build
    from reviews.grounding import MIN_SENTENCES, summary_ground, summary_sentences_split
    from reviews.probes import PROBES, probe_check
    from reviews.prompt import brief_prompt_build, summary_clean
    from reviews.sentiment import polarity_source

    call_command("migrate", verbosity=0)
    works = []
    for probe in PROBES:
        reviews = probe.reviews()
        aspects = aspects_compute(reviews=reviews, excluded_words=[probe.name])
        works.append(
            (probe, reviews, aspects, brief_prompt_build(ratings=[r.rating for r in reviews], aspects=aspects))
        )
    llm = llm_get()
    results = llm.complete_batch(
        conversations=[messages for *_, messages in works],
        max_tokens=settings.REVIEW_SUMMARIES["MAX_OUTPUT_TOKENS"],
        temperature=settings.REVIEW_SUMMARIES["TEMPERATURE"],
    )
    sentences = grounded = fell_back = covered = contradictions = invented = 0
    answers = [result for result in results if not isinstance(result, LLMUnavailable)]
    example = ""
    for (probe, reviews, aspects, _), result in zip(works, results):
        if isinstance(result, LLMUnavailable):
            continue
        verdicts = summary_ground(text=summary_clean(text=result.text), reviews=reviews, aspects=aspects)
        kept = [verdict.sentence for verdict in verdicts if verdict.passed]
        sentences, grounded = sentences + len(verdicts), grounded + len(kept)
        if len(kept) < MIN_SENTENCES:
            fell_back += 1
            kept = summary_sentences_split(extractive_summary_build(reviews=reviews, aspects=aspects).text)
        checked = probe_check(probe=probe, text=" ".join(kept), sentences=kept)
        covered += min(checked.covered, 3)
        contradictions += len(checked.contradictions)
        invented += len(checked.invented)
        example = example or f"{probe.name}: {result.text.strip()} -> kept: {' '.join(kept)}"
    seconds = sum(a.seconds for a in answers)
    tokens = sum(a.completion_tokens for a in answers)
    print(f"model {llm.name}, polarity from the {polarity_source()}: {len(answers)}/{len(results)} probes answered")
    print(
        f"sentences grounded {grounded}/{sentences}; fell back to extractive {fell_back}/{len(answers)}; "
        f"probe coverage {covered / max(1, 3 * len(answers)):.1%}, contradictions {contradictions}, invented {invented}"
    )
    print(
        f"{tokens / max(seconds, 1e-9):.1f} tokens/s, {seconds / max(1, len(answers)):.3f} s per summary (one batched call)"
    )
    print("example:", example or "-")


if __name__ == "__main__":
    main()
