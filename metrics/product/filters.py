"""FilterSets of the product inputs."""

import django_filters

from metrics.product.choices import SurveyKind
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from portal.filters import date_range, datetime_range, id_filter


class ProductFilterSet(django_filters.FilterSet):
    project = id_filter("project_id", "Project id")

    class Meta:
        model = Product
        fields: list[str] = []


class ProductEventFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(max_length=100)
    user_id = django_filters.CharFilter(max_length=128)
    at_from, at_to = datetime_range("at")

    class Meta:
        model = ProductEvent
        fields: list[str] = []


class CustomerFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    channel = django_filters.CharFilter(max_length=60)
    acquired_on_from, acquired_on_to = date_range("acquired_on")

    class Meta:
        model = Customer
        fields: list[str] = []


class OrderFilterSet(django_filters.FilterSet):
    customer = id_filter("customer_id", "Customer id")
    product = id_filter("customer__product_id", "Product id")
    placed_at_from, placed_at_to = datetime_range("placed_at")

    class Meta:
        model = Order
        fields: list[str] = []


class MarketingSpendFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    channel = django_filters.CharFilter(max_length=60)
    period_start_from, period_start_to = date_range("period_start")

    class Meta:
        model = MarketingSpend
        fields: list[str] = []


class SurveyResponseFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    at_from, at_to = datetime_range("at")

    class Meta:
        model = SurveyResponse
        fields = ["kind"]
