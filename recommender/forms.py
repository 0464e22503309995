from django import forms

from recommender.features import PREFERRED_CATEGORIES
from shop.models import Category, Product


class OnboardingCategoriesForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(children__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Pick at least one category you like.",
            "invalid_choice": "One of the picked categories no longer exists; pick again.",
            "invalid_pk_value": "That is not a category of this shop.",
        },
    )

    def clean_categories(self):
        picked = self.cleaned_data["categories"]
        if len(picked) > PREFERRED_CATEGORIES:
            raise forms.ValidationError(f"Pick at most {PREFERRED_CATEGORIES} categories ({len(picked)} are ticked).")
        return picked


class OnboardingLikesForm(forms.Form):
    liked = forms.ModelMultipleChoiceField(
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Only the products shown in this round can be liked.",
            "invalid_pk_value": "That is not a product.",
        },
    )

    def __init__(self, *args, shown_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liked"].queryset = Product.objects.filter(pk__in=shown_ids, is_active=True)
