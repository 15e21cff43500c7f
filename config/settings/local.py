"""Development settings: the embedded defaults, mail to the console."""

from .base import *  # noqa: F401,F403
