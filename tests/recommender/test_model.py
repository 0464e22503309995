import numpy as np
import torch

from recommender.features import ItemRow, Vocabulary
from recommender.model import TrainingData, TwoTowerConfig, item_table, item_tensors, two_tower_train

CATEGORIES = 4
PER_CATEGORY = 50
USERS = 2000
HISTORY = 30


def _tastes() -> tuple[list[ItemRow], TrainingData, Vocabulary]:
    """Shoppers who each stay within one category: the model has to find that out from the ids."""
    items = [
        ItemRow(pk, 1 + (pk - 1) // PER_CATEGORY, 1, "", 10.0, "", "", "", None)
        for pk in range(1, CATEGORIES * PER_CATEGORY + 1)
    ]
    vocabulary = Vocabulary.build(items=items)
    rng = np.random.default_rng(3)
    targets, histories = [], []
    for user in range(USERS):
        category = user % CATEGORIES
        rows = rng.choice(PER_CATEGORY, HISTORY + 1, replace=False) + category * PER_CATEGORY
        for target in rows:
            targets.append(target)
            histories.append([row for row in rows if row != target])
    data = TrainingData(
        items=item_tensors(items=items, vocabulary=vocabulary, popularity={}),
        example_items=np.array(targets),
        history=np.array(histories),
        weights=np.ones((len(targets), HISTORY), dtype=np.float32),
        preferred=np.zeros((len(targets), 1), dtype=np.int64),
        profile=np.zeros(len(targets), dtype=np.float32),
    )
    return items, data, vocabulary


def _config(vocabulary: Vocabulary) -> TwoTowerConfig:
    return TwoTowerConfig(categorical_sizes=vocabulary.sizes(), epochs=2, batch_size=1024, use_text=False)


def test_training_is_deterministic_for_a_seed():
    _, data, vocabulary = _tastes()
    first = two_tower_train(data=data, config=_config(vocabulary))
    second = two_tower_train(data=data, config=_config(vocabulary))
    assert first.losses == second.losses
    for name, tensor in first.model.state_dict().items():
        assert torch.equal(tensor, second.model.state_dict()[name]), name
    assert not torch.are_deterministic_algorithms_enabled(), "the switch is put back after training"


def test_a_history_in_one_category_is_answered_from_that_category():
    items, data, vocabulary = _tastes()
    model = two_tower_train(data=data, config=_config(vocabulary)).model
    tensors = item_tensors(items=items, vocabulary=vocabulary, popularity={})
    with torch.inference_mode():
        table = item_table(model=model, items=tensors)
        for category in range(CATEGORIES):
            history = torch.arange(5).unsqueeze(0) + category * PER_CATEGORY
            user = model.user_vectors(
                history,
                tensors["ids"][history],
                torch.ones(1, 5),
                torch.zeros(1, 1, dtype=torch.long),
                torch.zeros(1, 1),
                table,
            )
            scores = (user @ table.T)[0]
            scores[history[0]] = -2
            top = scores.topk(10).indices
            assert ((top // PER_CATEGORY) == category).sum() >= 9
