"""The two-tower model and its training: in-batch sampled softmax with a logQ correction."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from recommender.features import (
    CATEGORICAL_ITEM_FEATURES,
    ID_BUCKETS,
    POPULARITY_EDGES,
    PRICE_EDGES,
    ItemRow,
    Vocabulary,
    item_features,
)
from shop.models import TEXT_VECTOR_DIMENSIONS


@dataclass
class TwoTowerConfig:
    categorical_sizes: dict[str, int]
    id_buckets: int = ID_BUCKETS
    dimensions: int = 64
    hidden: int = 128
    feature_dimensions: int = 32
    use_text: bool = True
    temperature: float = 0.07
    logq_weight: float = 1.0
    epochs: int = 20
    batch_size: int = 512
    learning_rate: float = 3e-3
    weight_decay: float = 1e-5
    learning_rate_decay: bool = False
    """Anneal the learning rate to zero over the epochs (cosine), so the last epochs settle instead of wander."""
    history_keep: float = 0.8
    """Share of history items kept at random while training, so the tower does not lean on any one."""
    history_embedding: bool = True
    """The user tower adds a history-side id embedding to each pooled item representation."""
    history_norm: bool = False
    """Batch-normalise the pooled history (helps with long histories of many unrelated items, as in MovieLens)."""
    full_softmax: bool = False
    """Score each example against the whole catalog instead of the batch's positives: affordable for a catalog of a
    few thousand items, every item is a negative in every step, and there is no sampling to correct (logQ then
    only acts as a popularity penalty of weight `logq_weight`)."""
    seed: int = 7


class TwoTower(nn.Module):
    def __init__(self, config: TwoTowerConfig):
        super().__init__()
        self.config = config
        width = config.feature_dimensions
        # The id tables are large (hashed buckets) and each batch touches few rows: sparse
        # gradients keep the optimiser's work proportional to the rows a batch uses.
        self.id_embedding = nn.Embedding(config.id_buckets, width, sparse=True)
        self.categorical = nn.ModuleList(
            nn.Embedding(config.categorical_sizes[name], width) for name in CATEGORICAL_ITEM_FEATURES
        )
        self.price = nn.Embedding(len(PRICE_EDGES) + 1, width)
        self.popularity = nn.Embedding(len(POPULARITY_EDGES) + 1, width)
        self.text = nn.Linear(TEXT_VECTOR_DIMENSIONS, width)
        item_inputs = width * (4 + len(CATEGORICAL_ITEM_FEATURES))
        self.item_mlp = nn.Sequential(
            nn.Linear(item_inputs, config.hidden), nn.ReLU(), nn.Linear(config.hidden, config.dimensions)
        )
        # What an item says about the person who chose it differs from what makes it a good
        # next pick; a history-side id embedding lets the tower learn the first apart from the second.
        self.history_id = (
            nn.Embedding(config.id_buckets, config.dimensions, sparse=True) if config.history_embedding else None
        )
        if self.history_id is not None:
            nn.init.normal_(self.history_id.weight, std=0.1)
        # A mean over dozens of history items is close to the mean of all items; normalising
        # it across users lets the tower see how one history differs from another from the start.
        self.history_norm = nn.BatchNorm1d(config.dimensions) if config.history_norm else None
        # The user tower pools item representations of the history, adds the categories
        # picked at onboarding (sharing the item tower's category embedding) and the profile.
        self.user_mlp = nn.Sequential(
            nn.Linear(config.dimensions + width + 1, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.dimensions),
        )

    def item_vectors(self, items: dict[str, torch.Tensor]) -> torch.Tensor:
        parts = [self.id_embedding(items["ids"])]
        parts += [embedding(items["categorical"][..., column]) for column, embedding in enumerate(self.categorical)]
        parts += [self.price(items["price"]), self.popularity(items["popularity"])]
        text = self.text(items["text"]) * items["has_text"].unsqueeze(-1)
        parts.append(text if self.config.use_text else torch.zeros_like(text))
        return F.normalize(self.item_mlp(torch.cat(parts, dim=-1)), dim=-1)

    def user_vectors(
        self,
        history: torch.Tensor,
        history_ids: torch.Tensor,
        weights: torch.Tensor,
        preferred: torch.Tensor,
        profile: torch.Tensor,
        item_table: torch.Tensor,
    ) -> torch.Tensor:
        """`history`: (users, L) rows of `item_table` (the item vectors), −1 for padding, and their hashed ids;
        `preferred`: category indices, 0 padding."""
        # Weighted sums as embedding bags: far cheaper to differentiate than gathering (users, L, d) tensors.
        weights = weights * (history >= 0).float()
        total = weights.sum(1, keepdim=True).clamp(min=1e-6)
        pooled = F.embedding_bag(history.clamp(min=0), item_table, mode="sum", per_sample_weights=weights)
        if self.history_id is not None:
            pooled = pooled + F.embedding_bag(
                history_ids, self.history_id.weight, mode="sum", per_sample_weights=weights, sparse=True
            )
        pooled = pooled / total
        if self.history_norm is not None:
            pooled = self.history_norm(pooled)
        categories = self.categorical[0](preferred) * (preferred > 0).float().unsqueeze(-1)
        preferred_mean = categories.sum(1) / (preferred > 0).float().sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.user_mlp(torch.cat([pooled, preferred_mean, profile], dim=-1)), dim=-1)


def item_tensors(
    *, items: list[ItemRow], vocabulary: Vocabulary, popularity: dict[int, int]
) -> dict[str, torch.Tensor]:
    features = item_features(items=items, vocabulary=vocabulary, popularity=popularity)
    return {
        "ids": torch.tensor(features.ids),
        "categorical": torch.tensor(features.categorical),
        "price": torch.tensor(features.price),
        "popularity": torch.tensor(features.popularity),
        "text": torch.tensor(features.text),
        "has_text": torch.tensor(features.has_text),
    }


def user_tensors(
    *,
    history: np.ndarray | torch.Tensor,
    weights: np.ndarray | torch.Tensor,
    preferred: np.ndarray | torch.Tensor,
    profile: np.ndarray | torch.Tensor,
    item_ids: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The user tower's input from padded arrays (`UserArrays`' fields): `TwoTower.user_vectors`' arguments but the item table.

    `item_ids` are the hashed ids of the item table's rows; padding reads row 0's, which its zero weight leaves out.
    """
    history = torch.as_tensor(history)
    return {
        "history": history,
        "history_ids": item_ids[history.clamp(min=0)],
        "weights": torch.as_tensor(weights, dtype=torch.float32),
        "preferred": torch.as_tensor(preferred),
        "profile": torch.as_tensor(profile, dtype=torch.float32).unsqueeze(-1),
    }


@dataclass
class TrainingData:
    """Item feature tensors for every item, and one example per positive event."""

    items: dict[str, torch.Tensor]
    example_items: np.ndarray
    """Row of the positive item of each example."""
    history: np.ndarray
    """(examples, L) item rows before the event, −1 padding."""
    weights: np.ndarray
    preferred: np.ndarray
    profile: np.ndarray


@dataclass
class TrainingResult:
    model: TwoTower
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"


def two_tower_train(
    *,
    data: TrainingData,
    config: TwoTowerConfig,
    device: str = "cpu",
    on_epoch: Callable[[int, float], None] = lambda epoch, loss: None,
) -> TrainingResult:
    """Train a model; the same data, config and seed give the same weights.

    Some parallel kernels (the sparse gradients of the embedding bags) add in whatever order
    threads finish, which moved a demo run's nDCG@10 by a point from one run to the next;
    deterministic algorithms are switched on while training, and back after.
    """
    enabled, warn_only = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    # warn_only: a CUDA kernel without a deterministic variant warns instead of stopping the run.
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        return _two_tower_train(data=data, config=config, device=device, on_epoch=on_epoch)
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def _two_tower_train(
    *, data: TrainingData, config: TwoTowerConfig, device: str, on_epoch: Callable[[int, float], None]
) -> TrainingResult:
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = TwoTower(config).to(device)
    sparse = [model.id_embedding.weight] + ([model.history_id.weight] if model.history_id is not None else [])
    dense = [parameter for parameter in model.parameters() if all(parameter is not other for other in sparse)]
    optimisers = [
        torch.optim.SparseAdam(sparse, lr=config.learning_rate),
        torch.optim.AdamW(dense, lr=config.learning_rate, weight_decay=config.weight_decay),
    ]
    steps = config.epochs * -(-len(data.example_items) // config.batch_size)
    schedulers = [
        torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=steps)
        for optimiser in optimisers
        if config.learning_rate_decay
    ]
    items = {name: tensor.to(device) for name, tensor in data.items.items()}
    counts = np.bincount(data.example_items, minlength=len(items["ids"])).astype(np.float64)
    log_q = torch.tensor(np.log((counts + 1) / (counts + 1).sum()), dtype=torch.float32, device=device)
    history = torch.tensor(data.history, device=device)
    weights = torch.tensor(data.weights, dtype=torch.float32, device=device)
    preferred = torch.tensor(data.preferred, device=device)
    profile = torch.tensor(data.profile, dtype=torch.float32, device=device)
    targets = torch.tensor(data.example_items, device=device)

    result = TrainingResult(model=model, device=device)
    started = time.perf_counter()
    for epoch in range(config.epochs):
        order = torch.tensor(rng.permutation(len(targets)), device=device)
        total, batches = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            positive = targets[batch]
            table = _batch_item_table(model=model, items=items, positive=positive, history=history[batch])
            keep = (torch.rand(history[batch].shape, device=device) < config.history_keep).float()
            inputs = user_tensors(
                history=history[batch],
                weights=weights[batch] * keep,
                preferred=preferred[batch],
                profile=profile[batch],
                item_ids=items["ids"],
            )
            users = model.user_vectors(**inputs, item_table=table)
            batch_loss = _full_softmax_loss if config.full_softmax else _in_batch_loss
            loss = batch_loss(
                users=users, table=table, positive=positive, history=history[batch], log_q=log_q, config=config
            )
            for optimiser in optimisers:
                optimiser.zero_grad()
            loss.backward()
            for optimiser in optimisers:
                optimiser.step()
            for scheduler in schedulers:
                scheduler.step()
            total, batches = total + loss.item(), batches + 1
        result.losses.append(total / max(batches, 1))
        on_epoch(epoch + 1, result.losses[-1])
    result.seconds = time.perf_counter() - started
    model.eval()
    return result


def _batch_item_table(
    *, model: TwoTower, items: dict[str, torch.Tensor], positive: torch.Tensor, history: torch.Tensor
) -> torch.Tensor:
    """Item vectors a step needs: every item under a full softmax, else the batch's positives and histories."""
    if model.config.full_softmax:
        return model.item_vectors(items)
    used = torch.zeros(len(items["ids"]), dtype=torch.bool, device=positive.device)
    used[positive] = True
    used[history.clamp(min=0).flatten()] = True
    needed = used.nonzero().squeeze(1)
    table = torch.zeros(len(items["ids"]), model.config.dimensions, device=positive.device)
    table[needed] = model.item_vectors({name: tensor[needed] for name, tensor in items.items()})
    return table


def _history_mask(*, history: torch.Tensor, items: int) -> torch.Tensor:
    """(examples, items): True where the item is in the example's history."""
    chosen = torch.zeros(len(history), items, dtype=torch.bool, device=history.device)
    chosen.scatter_(1, history.clamp(min=0), history >= 0)
    return chosen


def _in_batch_loss(
    *,
    users: torch.Tensor,
    table: torch.Tensor,
    positive: torch.Tensor,
    history: torch.Tensor,
    log_q: torch.Tensor,
    config: TwoTowerConfig,
) -> torch.Tensor:
    """Sampled softmax over the batch's positives with the logQ correction."""
    logits = users @ table[positive].T / config.temperature - config.logq_weight * log_q[positive].unsqueeze(0)
    # Neither the same item twice in a batch nor an item from the shopper's own history is a
    # negative for them: pushing down what they chose teaches the tower to forget their taste.
    others = positive.unsqueeze(0) != positive.unsqueeze(1)
    duplicate = ~others & ~torch.eye(len(positive), dtype=torch.bool, device=positive.device)
    chosen_before = _history_mask(history=history, items=len(table))[:, positive] & others
    return F.cross_entropy(
        logits.masked_fill(duplicate | chosen_before, -1e9), torch.arange(len(positive), device=positive.device)
    )


def _full_softmax_loss(
    *,
    users: torch.Tensor,
    table: torch.Tensor,
    positive: torch.Tensor,
    history: torch.Tensor,
    log_q: torch.Tensor,
    config: TwoTowerConfig,
) -> torch.Tensor:
    """Softmax over the whole catalog; the shopper's own history is not a negative for them."""
    logits = users @ table.T / config.temperature - config.logq_weight * log_q.unsqueeze(0)
    chosen = _history_mask(history=history, items=len(table))
    chosen[torch.arange(len(positive), device=positive.device), positive] = False
    return F.cross_entropy(logits.masked_fill(chosen, -1e9), positive)


@torch.inference_mode()
def item_table(*, model: TwoTower, items: dict[str, torch.Tensor], batch_size: int = 4096) -> torch.Tensor:
    device = next(model.parameters()).device
    rows = []
    for start in range(0, len(items["ids"]), batch_size):
        rows.append(
            model.item_vectors({name: tensor[start : start + batch_size].to(device) for name, tensor in items.items()})
        )
    return torch.cat(rows)
