"""The one registry of translators: in-tree ones by decorator, outside ones by entry point.

In-tree translators are found by walking the ``bench.translators`` package and importing each module, so
adding a translator never means editing a list. Modules must therefore import optional SDKs lazily (inside
the hook); a module that still fails to import is reported by ``reachbench translators list`` instead of
breaking every other translator. Outside plug-ins declare::

    [project.entry-points."reachbench.translators"]
    mine = "my_pkg.translator:MyTranslator"

and are loaded only when used (or listed). A name may be registered once: a second class under the same
name is an error, whoever registers it.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import pkgutil
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeVar

from bench.translators.base import Translator, TranslatorError

log = logging.getLogger("bench.translators")

ENTRY_POINT_GROUP = "reachbench.translators"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

T = TypeVar("T", bound=type[Translator])


class UnknownTranslatorError(TranslatorError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DuplicateTranslatorError(TranslatorError):
    pass


@dataclass
class TranslatorEntry:
    """One registered name: a loaded class, or an entry point not yet imported."""

    name: str
    origin: str
    cls: type[Translator] | None = None
    loader: Callable[[], Any] | None = field(default=None, repr=False)
    error: str | None = None

    def load(self) -> type[Translator]:
        if self.cls is None and self.error is None and self.loader is not None:
            try:
                obj = self.loader()
            except Exception as exc:  # noqa: BLE001 - a broken plug-in is reported, not fatal
                self.error = f"cannot load {self.origin}: {type(exc).__name__}: {exc}"
            else:
                if not (isinstance(obj, type) and issubclass(obj, Translator)):
                    self.error = f"{self.origin} is not a Translator subclass"
                else:
                    if self.cls is None:  # the plug-in may have used @register_translator itself
                        obj.name = self.name
                        self.cls = obj
        if self.cls is None:
            raise TranslatorError(self.error or f"translator {self.name!r} is not loadable")
        return self.cls


_lock = threading.RLock()
_registry: dict[str, TranslatorEntry] = {}
_problems: list[str] = []
_discovered = False


def register_translator(name: str, *, origin: str | None = None) -> Callable[[T], T]:
    """Class decorator: make ``cls`` available as ``name`` in specs and ``translators list``."""
    if not _NAME_RE.match(name):
        raise ValueError(f"translator name {name!r}: use lower-case letters, digits, '-', '_' or '.'")

    def decorate(cls: T) -> T:
        if not (isinstance(cls, type) and issubclass(cls, Translator)):
            raise TypeError(f"@register_translator({name!r}) needs a Translator subclass, got {cls!r}")
        with _lock:
            existing = _registry.get(name)
            if existing is not None:
                same = existing.cls is not None and _ident(existing.cls) == _ident(cls)
                lazy_self = existing.cls is None and existing.loader is not None
                if not same and not lazy_self:
                    raise DuplicateTranslatorError(
                        f"translator name {name!r} is already registered by {existing.origin}; "
                        f"cannot register {cls.__module__}.{cls.__qualname__} too"
                    )
            cls.name = name
            where = origin or (existing.origin if existing is not None else f"builtin:{cls.__module__}")
            _registry[name] = TranslatorEntry(name=name, origin=where, cls=cls)
        return cls

    return decorate


def _ident(cls: type) -> tuple[str, str]:
    return (cls.__module__, cls.__qualname__)


def discover(*, force: bool = False) -> None:
    """Import every in-tree translator module and read the entry points (once per process)."""
    global _discovered
    with _lock:
        if _discovered and not force:
            return
        _discovered = True
        import bench.translators as pkg

        def onerror(modname: str) -> None:
            _problems.append(f"cannot import {modname}")

        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}.", onerror=onerror):
            leaf = info.name.rsplit(".", 1)[-1]
            if leaf.startswith("_") or ".tests" in info.name:
                continue
            try:
                importlib.import_module(info.name)
            except Exception as exc:  # noqa: BLE001 - one broken module must not hide the others
                msg = f"cannot import {info.name}: {type(exc).__name__}: {exc}"
                log.warning(msg)
                _problems.append(msg)
        _discover_entry_points()


def _discover_entry_points() -> None:
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        origin = f"entry-point:{dist} ({ep.value})"
        existing = _registry.get(ep.name)
        if existing is not None:
            if existing.origin == origin:
                continue
            msg = (
                f"entry point {ep.name!r} from {origin} ignored: "
                f"name already registered by {existing.origin}"
            )
            log.warning(msg)
            _problems.append(msg)
            continue
        if not _NAME_RE.match(ep.name):
            _problems.append(f"entry point {ep.name!r} from {origin} ignored: invalid name")
            continue
        _registry[ep.name] = TranslatorEntry(name=ep.name, origin=origin, loader=ep.load)


def problems() -> list[str]:
    """Modules or plug-ins that could not be registered (shown by ``translators list``)."""
    discover()
    return list(_problems)


def available() -> list[str]:
    discover()
    return sorted(_registry)


def get_entry(name: str) -> TranslatorEntry:
    discover()
    entry = _registry.get(name)
    if entry is None:
        close = difflib.get_close_matches(name, sorted(_registry), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownTranslatorError(
            f"unknown translator {name!r}{hint} (available: {', '.join(sorted(_registry))})"
        )
    return entry


def get_translator_class(name: str) -> type[Translator]:
    return get_entry(name).load()


@dataclass(frozen=True)
class TranslatorSpec:
    """A parsed spec string: ``name`` and ``options`` (strings; the translator's options model coerces)."""

    name: str
    options: dict[str, str]
    positional: str | None = None
    text: str = ""


def parse_spec(spec: str) -> TranslatorSpec:
    """``rules`` | ``openai:model=x,base_url=http://127.0.0.1:8000/v1`` | ``command:./prog,timeout=5``.

    The text after the first colon is a comma-separated list of ``key=value``; a first item without ``=``
    is the translator's positional option (the program for ``command``).
    """
    text = spec.strip()
    if not text:
        raise TranslatorError("empty translator spec")
    name, _, rest = text.partition(":")
    name = name.strip()
    if not _NAME_RE.match(name):
        raise TranslatorError(f"translator spec {spec!r}: bad name {name!r}")
    options: dict[str, str] = {}
    positional: str | None = None
    if rest.strip():
        for i, item in enumerate(rest.split(",")):
            if "=" not in item:
                if i == 0:
                    positional = item.strip()
                    continue
                raise TranslatorError(f"translator spec {spec!r}: option {item!r} is not key=value")
            key, _, value = item.partition("=")
            key = key.strip()
            if not key:
                raise TranslatorError(f"translator spec {spec!r}: empty option name in {item!r}")
            if key in options:
                raise TranslatorError(f"translator spec {spec!r}: option {key!r} given twice")
            options[key] = value.strip()
    return TranslatorSpec(name=name, options=options, positional=positional, text=text)


def make_translator(spec: str | TranslatorSpec, **overrides: Any) -> Translator:
    """Build a translator from a spec string; ``overrides`` win over options in the spec."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    cls = get_translator_class(parsed.name)
    options: dict[str, Any] = dict(parsed.options)
    if parsed.positional is not None:
        if not cls.positional_option:
            raise TranslatorError(
                f"translator spec {parsed.text!r}: {parsed.name!r} takes only key=value options"
            )
        if cls.positional_option in options:
            raise TranslatorError(f"translator spec {parsed.text!r}: {cls.positional_option!r} given twice")
        options[cls.positional_option] = parsed.positional
    options.update(overrides)
    translator = cls(**options)
    translator.spec = parsed.text or parsed.name  # type: ignore[attr-defined]
    return translator


def list_translators() -> list[dict[str, Any]]:
    """Name, version, origin, description of every registered translator (loading plug-ins to ask)."""
    discover()
    rows = []
    for name in sorted(_registry):
        entry = _registry[name]
        try:
            cls = entry.load()
            rows.append(
                {"name": name, "version": cls.version, "origin": entry.origin,
                 "description": cls.description, "error": None}
            )
        except TranslatorError as exc:
            rows.append({"name": name, "version": None, "origin": entry.origin, "description": "",
                         "error": str(exc)})
    return rows
