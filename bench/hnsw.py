"""pgvector HNSW index: build time and size at 100,000 rows, at 384 and 512 dimensions, on the embedded PostgreSQL.

    python bench/hnsw.py [--rows 100000] [--dimensions 384 512]

Synthetic vectors (random directions; cosine ignores length) in a scratch table per width, indexed as the catalog
is (`vector_cosine_ops`, m=16, ef_construction=64, pgvector's defaults that shop/models/catalog.py
keeps); the tables are dropped at the end. Random directions are a worst case for HNSW's build
(no clusters), so real embeddings build somewhat faster at the same size. Prints build seconds,
index size and the extrapolation per million rows (the index grows linearly with rows).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dimensions", type=int, nargs="+", default=[384, 512])
    parser.add_argument("--maintenance-work-mem", default="1GB")
    options = parser.parse_args()

    from config.environment import django_environment_prepare

    django_environment_prepare()
    import django

    django.setup()
    from django.db import connection

    print(f"HNSW build on {options.rows:,} synthetic vectors (cosine, m=16, ef_construction=64)")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = %s", [options.maintenance_work_mem])
        cursor.execute("SHOW max_parallel_maintenance_workers")
        parallel = cursor.fetchone()[0]
        for dimensions in options.dimensions:
            table = f"bench_hnsw_{dimensions}"
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} (id int PRIMARY KEY, v vector({dimensions}))")
            started = time.perf_counter()
            cursor.execute(
                f"""
                INSERT INTO {table}
                SELECT i, ARRAY(SELECT random() - 0.5 FROM generate_series(1, %s) WHERE i > 0)::vector
                FROM generate_series(1, %s) AS i
                """,
                [dimensions, options.rows],
            )
            filled = time.perf_counter() - started
            cursor.execute(f"SELECT pg_relation_size('{table}')")
            heap = cursor.fetchone()[0]
            started = time.perf_counter()
            cursor.execute(
                f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (v vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )
            built = time.perf_counter() - started
            cursor.execute(f"SELECT pg_relation_size('{table}_hnsw')")
            index = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {table}")
            per_million = index * 1_000_000 / options.rows
            print(
                f"  {dimensions} dims: index built in {built:.1f} s (table filled in {filled:.1f} s), "
                f"index {index / 2**20:.0f} MiB, vectors {heap / 2**20:.0f} MiB; "
                f"per million rows about {per_million / 2**30:.2f} GiB of index "
                f"and {heap * 1_000_000 / options.rows / 2**30:.2f} GiB of vectors"
            )
    print(f"  (max_parallel_maintenance_workers = {parallel}; {__import__('os').cpu_count()} cores)")


if __name__ == "__main__":
    main()
