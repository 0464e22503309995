"""Carts and purchases count for the recommendation the shopper clicked (see recommender.experiments)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Interaction


@receiver(post_save, sender=Interaction, dispatch_uid="recommender.impressions_attribute")
def interaction_attribute(sender, instance: Interaction, created: bool, **kwargs) -> None:
    if created and instance.kind in (Interaction.Kind.CART, Interaction.Kind.PURCHASE):
        from recommender.experiments import impressions_attribute

        impressions_attribute(interaction=instance)
