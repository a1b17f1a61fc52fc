"""The command line: the composition root, the one place that imports every package.

``dynamobile`` (and ``python -m dynamobile.cli``) runs :func:`main`; nothing else imports this
package.
"""

from .main import main

__all__ = ["main"]
