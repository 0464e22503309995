"""List responses of APIViews in DRF's page-number shape: count, next, previous, results.

A view that lists sets `pagination_class`, which drf-spectacular also reads to document the
paginated body and the `page` parameter.
"""

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


def paginated_response(
    *, request: Request, view: APIView, queryset: QuerySet, serializer_class: type[BaseSerializer]
) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)
