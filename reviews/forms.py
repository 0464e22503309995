from django import forms
from django.conf import settings

STAR_CHOICES = [(stars, f"{stars} star{'s' if stars > 1 else ''}") for stars in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a rating from 1 to 5 stars.",
            "invalid_choice": "The rating must be 1 to 5 stars.",
        },
    )
    title = forms.CharField(max_length=200, required=False, strip=True)
    body = forms.CharField(
        label="Your review",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.REVIEWS["BODY_MAX_CHARS"],
        error_messages={
            "max_length": "A review can be at most %(limit_value)s characters; this one has %(show_value)s."
        },
    )
