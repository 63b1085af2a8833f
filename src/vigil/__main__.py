"""`python -m vigil`: the same command line as `vigil`, for a Python without the script."""

from vigil.cli import app

app(prog_name="vigil")
