from django.core.asgi import get_asgi_application

from config.environment import django_environment_prepare

django_environment_prepare()
application = get_asgi_application()
