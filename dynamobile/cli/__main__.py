"""``python -m dynamobile.cli``."""

from .main import main

main()
