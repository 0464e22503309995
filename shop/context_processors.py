from django.http import HttpRequest

from shop.selectors import department_list


def navigation(request: HttpRequest) -> dict:
    return {"departments": department_list}
