"""WSGI entry point: ``gunicorn wsgi:app``."""

from fundtrack import create_app

app = create_app()
