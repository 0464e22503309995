"""The rated review texts the sentiment classifier learns from: the demo's CC0 clothing data set."""

from pathlib import Path

from reviews.sentiment import RatedText
from shop.demo.clothing import clothing_dataset_path


def clothing_rated_texts(*, datasets_dir: Path, wheel_requirement: str, limit: int) -> list[RatedText]:
    """Title and text of each rated review, spread evenly over the data set (deterministic)."""
    import pyarrow.parquet as pq

    path = clothing_dataset_path(datasets_dir=datasets_dir, wheel_requirement=wheel_requirement)
    rows = pq.read_table(path, columns=["Clothing ID", "Title", "Review Text", "Rating"]).to_pylist()
    rows = [row for row in rows if row["Review Text"] and 1 <= (row["Rating"] or 0) <= 5]
    if len(rows) > limit:
        step = len(rows) / limit
        rows = [rows[int(index * step)] for index in range(limit)]
    return [
        RatedText(
            text=f"{row['Title']}. {row['Review Text']}" if row["Title"] else row["Review Text"],
            rating=int(row["Rating"]),
            group=int(row["Clothing ID"]),
        )
        for row in rows
    ]
