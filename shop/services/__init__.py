from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from shop.models import Interaction, Product


def interaction_record(
    *,
    product: Product,
    kind: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    session_key: str = "",
    value: float = 1.0,
    quantity: int = 1,
) -> Interaction | None:
    """Append one event; visitors with neither an account nor a session leave no trace."""
    known_user = user if user is not None and user.is_authenticated else None
    if known_user is None and not session_key:
        return None
    return Interaction.objects.create(
        user=known_user,
        session_key="" if known_user else session_key,
        product=product,
        kind=kind,
        value=value,
        quantity=quantity,
    )
