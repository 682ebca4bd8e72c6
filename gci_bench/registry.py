"""One typed registry per extension point.

gci-bench has five kinds of pluggable things (source formats, tasks, answer types, backends,
training methods). Each kind gets one :class:`Registry`, filled by a decorator placed next to the
class or function it registers, so adding a new one never touches a central ``if/else``. Lookups of
unknown names fail with a :class:`~gci_bench.errors.GciError` that suggests close names.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from gci_bench.errors import GciError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → object mapping for one extension point.

    ``modules`` lists the modules whose import fills the registry; they are imported lazily on the
    first lookup so that importing :mod:`gci_bench` stays cheap (no torch import for a build).
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self._modules = modules
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register ``obj`` under ``name``; a name may be registered once."""

        def deco(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = obj
            return obj

        return deco

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)

    def get(self, name: str) -> T:
        """Return the object registered as ``name`` or raise a GciError suggesting close names."""
        self._load()
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._items), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._items))
            raise GciError(f"unknown {self.kind} {name!r}{hint} (known: {known})") from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        self._load()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
