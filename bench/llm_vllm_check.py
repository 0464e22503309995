"""The prepared check of the `vllm` LLM backend, for a lent GPU machine (CI has no GPU and no vLLM).

    pip install -r requirements.txt -r requirements-gpu.txt
    LLM_MODEL=/models/Llama-3.1-8B-Instruct python bench/llm_vllm_check.py [--products 64]

It needs no database: it builds the real summary prompts from a fixed set of clothing reviews
(the same prompt for every product, so the batch measures vLLM's throughput), generates them
all in one `LLM.chat` call through ml.llm, validates each answer with the shop's checks, and
prints the share that passed, tokens per second and seconds per summary.
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
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # The development settings load without a database; nothing here queries one.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ["LLM_BACKEND"] = "vllm"
    import django

    django.setup()
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


if __name__ == "__main__":
    main()
