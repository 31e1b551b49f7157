"""Every public definition is documented; every strategy names its settings and its source.

The oracle is ``inspect``: the signature says which arguments a strategy takes, so its ``Args:``
section cannot silently fall behind a new setting.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from typing import Any

import pytest

from weightfit.search import STRATEGIES

PUBLIC = ["weightfit", "weightfit.search", "weightfit.models", "weightfit.data", "weightfit.losses"]

# Public methods outside this check's reach for now (their modules are edited elsewhere); remove
# an entry once its method has a docstring.
KNOWN_GAPS = {
    "weightfit.evaluate.report.Report.to_dict",
    "weightfit.evaluate.audit.AuditResult.leak",
}


def _strategy_classes() -> list[type]:
    classes: list[type] = []
    for factory in STRATEGIES.values():  # presets are functools.partial(Gradient, ...)
        cls = factory.func if isinstance(factory, functools.partial) else factory
        assert inspect.isclass(cls), f"{cls!r} is neither a class nor a preset of one"
        if cls not in classes:
            classes.append(cls)
    return classes


def _section(doc: str, title: str) -> str:
    """The lines of a Google-style section: from ``title:`` to the next unindented line."""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{title}:")
    body = []
    for line in lines[start + 1 :]:
        if line and not line[0].isspace():
            break
        body.append(line)
    return "\n".join(body)


def _public_names(module_name: str) -> list[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:  # no __all__: what the module defines itself, without a leading underscore
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", module_name) == module_name
        ]
    out = []
    for name in names:
        obj = getattr(module, name)
        if callable(obj) and not inspect.ismodule(obj):
            out.append((f"{module_name}.{name}", obj))
    return out


def _public_methods(cls: type) -> list[tuple[str, Any]]:
    """Public methods, properties and ``__call__`` that this package defines on ``cls``."""
    out = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("weightfit"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") and name != "__call__":
                continue
            if inspect.isfunction(value) or isinstance(value, property | classmethod):
                out.append((f"{klass.__module__}.{klass.__qualname__}.{name}", getattr(cls, name)))
    return out


STRATEGY_CLASSES = _strategy_classes()


def test_every_registered_strategy_is_a_class() -> None:
    assert all(inspect.isclass(c) for c in STRATEGY_CLASSES)
    assert len(STRATEGY_CLASSES) == 9  # Guess ... Gradient; the torch.optim names are presets


@pytest.mark.parametrize("cls", STRATEGY_CLASSES, ids=lambda c: c.__name__)
def test_strategy_docstring_names_every_argument_and_its_source(cls: type) -> None:
    doc = inspect.getdoc(cls) or ""
    assert "Args:" in doc, f"{cls.__name__} has no Args: section"
    assert re.search(r"^Source: \S", doc, re.M), f"{cls.__name__} names no Source: line"
    args = _section(doc, "Args")
    for name in inspect.signature(cls).parameters:
        assert re.search(rf"^\s+(\*\*)?{name}\b", args, re.M), (
            f"{cls.__name__}: argument {name!r} is not in its Args: section"
        )


@pytest.mark.parametrize("cls", STRATEGY_CLASSES, ids=lambda c: c.__name__)
def test_strategy_methods_say_what_they_do(cls: type) -> None:
    for method in ("start", "step", "done"):
        assert (getattr(cls, method).__doc__ or "").strip(), f"{cls.__name__}.{method}"


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_callables_and_their_methods_have_docstrings(module_name: str) -> None:
    missing = []
    for qualified, obj in _public_names(module_name):
        if not inspect.getdoc(obj):
            missing.append(qualified)
        if inspect.isclass(obj):
            for method, value in _public_methods(obj):
                if method not in KNOWN_GAPS and not inspect.getdoc(value):
                    missing.append(method)
    assert not missing, f"no docstring: {sorted(set(missing))}"


def test_protocol_methods_are_documented() -> None:
    from weightfit.search.base import ObjectiveFn, Strategy

    for cls, methods in (
        (ObjectiveFn, ("__call__", "subset", "tail")),
        (Strategy, ("start", "step", "done")),
    ):
        for method in methods:
            assert (getattr(cls, method).__doc__ or "").strip(), f"{cls.__name__}.{method}"
