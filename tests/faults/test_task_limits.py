"""A task that hangs (an LLM that never answers, a stuck encoder) is stopped by its time limit."""

from config.celery import app


def test_every_shop_task_has_a_soft_and_a_hard_time_limit_and_long_work_gets_longer_ones():
    app.loader.import_default_modules()
    limits = {
        name: (task.soft_time_limit or app.conf.task_soft_time_limit, task.time_limit or app.conf.task_time_limit)
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    }
    assert "reviews.tasks.review_summary_task" in limits and "search.tasks.products_embed_task" in limits
    for name, (soft, hard) in limits.items():
        assert soft and hard and soft < hard, name
    default = limits["recommender.tasks.training_run_scheduled_task"]
    assert limits["recommender.tasks.training_stage_task"][0] > default[0]
    assert limits["reviews.tasks.review_summary_task"][0] > default[0]
