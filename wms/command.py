"""The base of every command: a small frozen dataclass naming one write, and the roles that may send it."""
from __future__ import annotations

from typing import ClassVar


class Command:
    """Subclasses are frozen dataclasses in their feature's domain.py; the pipeline authorises against ROLES."""

    ROLES: ClassVar[tuple[str, ...]] = ()
