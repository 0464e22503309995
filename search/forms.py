from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from shop.models import Category, Product

MAX_QUERY_CHARS = 256
SORTS = (
    ("relevance", "Best match"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("rating", "Top rated"),
    ("newest", "Newest"),
)
FILTER_FIELDS = ("category", "brand", "min_price", "max_price", "min_rating", "in_stock", "age_group", "colour")


class SearchForm(forms.Form):
    """The query and its filters, from the page or the API; every value is checked here."""

    q = forms.CharField(required=False, strip=True)
    category = forms.SlugField(required=False)
    brand = forms.CharField(required=False, max_length=80)
    min_price = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=10, decimal_places=2)
    max_price = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=10, decimal_places=2)
    # Half stars count: "3.5 stars and up" is a filter the shopper can set and remove.
    min_rating = forms.DecimalField(required=False, min_value=Decimal("0.5"), max_value=Decimal("5"), decimal_places=1)
    in_stock = forms.BooleanField(required=False)
    age_group = forms.ChoiceField(required=False, choices=[("", "Any age"), *Product.AgeGroup.choices])
    colour = forms.ChoiceField(required=False, choices=[("", "Any colour"), *Product.Colour.choices])
    not_colour = forms.CharField(required=False, max_length=200, help_text="Comma-separated colours to leave out.")
    not_material = forms.CharField(required=False, max_length=200, help_text="Comma-separated materials to leave out.")
    sort = forms.ChoiceField(required=False, choices=SORTS)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    parse = forms.CharField(
        required=False, widget=forms.HiddenInput, help_text="0: do not read filters from the query text."
    )

    def clean_q(self) -> str:
        # Longer text adds nothing the encoders would read (they stop at 256 tokens) and
        # costs the full-text parser; the page says the query was shortened.
        query = self.cleaned_data["q"]
        self.query_was_shortened = len(query) > MAX_QUERY_CHARS
        return query[:MAX_QUERY_CHARS]

    def clean_category(self) -> Category | None:
        slug = self.cleaned_data["category"]
        if not slug:
            return None
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            raise ValidationError(f"There is no category “{slug}”.")
        return category

    def clean_not_colour(self) -> list[str]:
        values = [value.strip().lower() for value in self.cleaned_data["not_colour"].split(",") if value.strip()]
        unknown = sorted(set(values) - set(Product.Colour.values))
        if unknown:
            raise ValidationError(f"Unknown colour: {', '.join(unknown)}.")
        return values

    def clean_not_material(self) -> list[str]:
        return [value.strip().lower() for value in self.cleaned_data["not_material"].split(",") if value.strip()]

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_price": "The maximum price must not be below the minimum price."})
        return data

    @property
    def parse_query(self) -> bool:
        return self.cleaned_data.get("parse") != "0"

    def search_arguments(self) -> dict:
        """The keyword arguments of `product_search` for this (valid) form."""
        data = self.cleaned_data
        return {
            "query": data["q"],
            "filters": self.explicit_filters(),
            "sort": data.get("sort") or "relevance",
            "page_number": data.get("page") or 1,
            "parse": self.parse_query,
            "exclusions": self.exclusions(),
        }

    def exclusions(self) -> dict:
        """Colours and materials the shopper left out with chips (removable, never filters)."""
        data = self.cleaned_data
        return {name: data.get(f"not_{name}") for name in ("colour", "material") if data.get(f"not_{name}")}

    def explicit_filters(self) -> dict:
        """The filters the shopper set with controls (not from the query text), without empty ones."""
        return {
            name: self.cleaned_data[name]
            for name in FILTER_FIELDS
            if self.cleaned_data.get(name) not in (None, "", False)
        }
