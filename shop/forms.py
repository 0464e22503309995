import uuid

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from shop.models import MAX_LINE_QUANTITY, Category, Product
from shop.models.customers import PUBLIC_NAME_MAX_LENGTH
from shop.payments import payment_methods
from shop.selectors import product_variant_pick
from shop.services.accounts import user_authenticate
from shop.validators import country_choices, phone_validate, postal_code_validate


def _password_check(form: forms.Form, *, data: dict, email: str, first_name: str = "") -> None:
    """Both passwords alike and past the password validators, judged against the account they will open."""
    first, second = data.get("password1"), data.get("password2")
    if first and second and first != second:
        form.add_error("password2", "The two passwords differ.")
    elif first:
        probe = get_user_model()(username=email, email=email, first_name=first_name)
        try:
            password_validation.validate_password(first, probe)
        except ValidationError as error:
            form.add_error("password1", error)


class SignupForm(forms.Form):
    email = forms.EmailField(
        max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    first_name = forms.CharField(label="First name (optional)", max_length=150, required=False)
    last_name = forms.CharField(label="Last name (optional)", max_length=150, required=False)
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        users = get_user_model().objects
        if users.filter(email__iexact=email).exists() or users.filter(username__iexact=email).exists():
            raise ValidationError("An account with this email already exists. Log in, or reset your password.")
        return email

    def clean(self) -> dict:
        data = super().clean()
        _password_check(self, data=data, email=data.get("email", ""), first_name=data.get("first_name", ""))
        return data


class OrderAccountForm(forms.Form):
    """After a guest order: a password makes an account of the order's email, which then owns the order."""

    password1 = forms.CharField(
        label="Choose a password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, first_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email, self.first_name = email, first_name

    def clean(self) -> dict:
        data = super().clean()
        if get_user_model().objects.filter(email__iexact=self.email).exists():
            raise ValidationError("An account with this email already exists: log in to add this order to it.")
        _password_check(self, data=data, email=self.email, first_name=self.first_name)
        return data


class OrderLookupForm(forms.Form):
    number = forms.CharField(
        label="Order number",
        max_length=20,
        help_text="It is in your confirmation email, like NW-AB12-CD34.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(
        label="Email used for the order", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form behind the per-account and per-address throttle."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email or username"

    def clean(self) -> dict:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username and password:
            self.user_cache = user_authenticate(request=self.request, username=username, password=password)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=150)
    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your email.",
    )
    public_name = forms.CharField(
        label="Public name (optional)",
        max_length=PUBLIC_NAME_MAX_LENGTH,
        required=False,
        help_text="Shown with your reviews. Left empty, they show your first name and last initial.",
    )
    preferred_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(depth=0).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="We show more of what you like.",
    )

    def __init__(self, *args, user=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise ValidationError("Another account uses this email.")
        return email

    def clean(self) -> dict:
        """A new email needs the current password: password resets go to that address, so whoever holds a
        signed-in session (a shared computer, a stolen cookie) could otherwise take the account over. The check
        goes through the log-in throttle, so it cannot be used to guess the password either."""
        data = super().clean()
        email = data.get("email")
        if email is None or email == (self.user.email or "").lower():
            return data
        password = data.get("current_password")
        if not password:
            self.add_error("current_password", "Enter your current password to change your email.")
            return data
        try:
            user_authenticate(request=self.request, username=self.user.get_username(), password=password)
        except ValidationError as error:
            wrong = error.code == "invalid_login"
            self.add_error("current_password", "That is not your current password." if wrong else error)
        return data

    def clean_public_name(self) -> str:
        name = self.cleaned_data["public_name"].strip()
        if "@" in name:
            raise ValidationError("A public name cannot contain “@”: everyone can read it, so keep your email private.")
        return name


class AddToCartForm(forms.Form):
    """A quantity of one of the product's variants; `variant` may be left out when the product has just one."""

    variant = forms.IntegerField(required=False, error_messages={"invalid": "Choose a size from the list."})
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        error_messages={
            "min_value": "Choose at least 1.",
            "max_value": f"You can buy at most {MAX_LINE_QUANTITY} of one product in an order.",
            "invalid": "Enter a whole number.",
            "required": "Choose how many you want.",
        },
    )

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product

    def clean_variant(self):
        return product_variant_pick(product=self.product, variant_id=self.cleaned_data["variant"])

    def first_error(self) -> str:
        """The one message a shopper is shown: the size first, then the quantity."""
        for name in ("variant", "quantity"):
            if name in self.errors:
                return self.errors[name][0]
        return self.non_field_errors()[0]


class CartQuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=0,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "min_value": "A quantity cannot be negative.",
            "max_value": f"You can buy at most {MAX_LINE_QUANTITY} of one product in an order.",
            "invalid": "Enter a whole number.",
            "required": "Enter a quantity.",
        },
    )


class TelInput(forms.TextInput):
    """A phone keypad on phones."""

    input_type = "tel"


def _autocomplete(token: str, widget: type[forms.Widget] = forms.TextInput) -> forms.Widget:
    """A browser fills the field from the shopper's saved address (the HTML autofill token)."""
    return widget(attrs={"autocomplete": token})


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="We send your order confirmation here.",
        widget=_autocomplete("email", forms.EmailInput),
    )
    full_name = forms.CharField(label="Full name", max_length=150, widget=_autocomplete("name"))
    address_line1 = forms.CharField(label="Street address", max_length=200, widget=_autocomplete("address-line1"))
    address_line2 = forms.CharField(
        label="Apartment, suite, etc. (optional)",
        max_length=200,
        required=False,
        widget=_autocomplete("address-line2"),
    )
    city = forms.CharField(max_length=100, widget=_autocomplete("address-level2"))
    postal_code = forms.CharField(
        label="Postal code",
        max_length=20,
        strip=False,
        validators=[postal_code_validate],
        widget=_autocomplete("postal-code"),
    )
    country = forms.ChoiceField(
        choices=(),
        error_messages={"required": "Choose a country.", "invalid_choice": "Choose a country from the list."},
        widget=_autocomplete("country", forms.Select),
    )
    phone = forms.CharField(
        label="Phone (optional, for the courier)",
        max_length=30,
        required=False,
        strip=False,
        validators=[phone_validate],
        widget=_autocomplete("tel", TelInput),
    )
    payment_method = forms.ChoiceField(widget=forms.RadioSelect)
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"invalid": "Reload the checkout page and try again."}
    )
    signature = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, account_email: str = "", **kwargs):
        """`account_email`: a signed-in shopper's, where the order goes; the form then asks for none."""
        super().__init__(*args, **kwargs)
        if account_email:
            del self.fields["email"]
        self.fields["country"].choices = [("", "Choose a country"), *country_choices()]
        methods = payment_methods()
        self.fields["payment_method"].choices = [(code, method.label) for code, method in methods.items()]
        self.fields["payment_method"].initial = next(iter(methods))
        self.fields["idempotency_key"].initial = uuid.uuid4()

    def address(self) -> dict[str, str]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("payment_method", "idempotency_key", "signature")
        }
