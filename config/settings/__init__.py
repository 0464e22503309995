"""Settings modules: base.py (shared), development.py, production.py and test.py.

Nothing is imported here. The entry points choose the module (config/environment.py):
config.settings.production when DJANGO_ENV=production, else config.settings.development;
pytest uses config.settings.test (pyproject.toml). DJANGO_SETTINGS_MODULE, when set, wins.
"""
