"""The WSGI entry point for production servers: `gunicorn -w 1 --threads 100 app.wsgi:app`."""

from app import create_app
from app.heap import freeze_start_up

app = create_app()
freeze_start_up()
