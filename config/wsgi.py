from django.core.wsgi import get_wsgi_application

from config.environment import django_environment_prepare

django_environment_prepare()
application = get_wsgi_application()
