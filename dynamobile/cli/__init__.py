"""The command line: the composition root, the one place that imports every package.

``dynamobile`` (and ``python -m dynamobile.cli``) runs :func:`main`; nothing else imports this
package.
"""

from . import click_fr

click_fr.install()  # before any help is written

from .main import main  # noqa: E402

__all__ = ["main"]
