from shop.models.cart import MAX_LINE_QUANTITY, Cart, CartLine
from shop.models.catalog import IMAGE_VECTOR_DIMENSIONS, TEXT_VECTOR_DIMENSIONS, Category, Product, ProductVariant
from shop.models.customers import CustomerProfile, Interaction
from shop.models.orders import Order, OrderLine, OrderStatusChange

__all__ = [
    "IMAGE_VECTOR_DIMENSIONS",
    "MAX_LINE_QUANTITY",
    "TEXT_VECTOR_DIMENSIONS",
    "Cart",
    "CartLine",
    "Category",
    "CustomerProfile",
    "Interaction",
    "Order",
    "OrderLine",
    "OrderStatusChange",
    "Product",
    "ProductVariant",
]
