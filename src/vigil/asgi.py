"""The ASGI application for uvicorn and other servers: `vigil.asgi:app`."""

from vigil.app import create_app

app = create_app()
