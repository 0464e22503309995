from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shop.models import Category
from shop.selectors import category_tree_forget


@receiver([post_save, post_delete], sender=Category)
def category_tree_changed(**_) -> None:
    category_tree_forget()
