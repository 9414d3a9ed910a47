"""The WSGI entry point for production servers: `gunicorn -w 1 --threads 100 app.wsgi:app`."""

from app import create_app

app = create_app()
