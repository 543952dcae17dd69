"""A translator's code fingerprint: what the response cache and ``--resume`` key on besides its version.

A declared ``version`` is a promise a developer can forget to keep: edit a Python translator without
bumping it and a keyed-by-version cache replays the old code's answers. The fingerprint is the sha256 of
the source files the translator's class is built from -- the modules defining each class of its MRO and
every module they import, transitively, within their own top-level package and ``bench`` -- read from
disk with ``ast`` (nothing is imported or executed). Edit any of them and the fingerprint changes.

LLM backends override it (model, settings and prompt version key their answers; their Python glue does
not), and ``command:`` hashes the program's bytes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Absolute names of the modules (and candidate submodules) one module imports."""
    out: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)]) if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target:
                out.add(target)
                out.update(f"{target}.{alias.name}" for alias in node.names)
    return out


def source_fingerprint(modules: list[str], packages: set[str] | None = None) -> str:
    """sha256 over the sources of ``modules`` and their transitive imports inside ``packages`` (default:
    the top-level packages of ``modules`` plus ``bench``). Stable: files are hashed in name order."""
    roots = set(packages) if packages is not None else {m.split(".")[0] for m in modules} | {"bench"}
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen or name.split(".")[0] not in roots:
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen[name] = path
        # Parents' __init__ run on import too.
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        todo.extend(_imports(tree, name, path.name == "__init__.py"))
    digest = hashlib.sha256()
    for name in sorted(seen):
        try:
            data = seen[name].read_bytes()
        except OSError:
            data = b""
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def class_fingerprint(cls: type) -> str:
    """Fingerprint of a translator class: the modules of every class in its MRO (except ``object``)."""
    modules = sorted({k.__module__ for k in cls.__mro__ if k.__module__ not in ("builtins", "__main__")})
    return source_fingerprint(modules)
