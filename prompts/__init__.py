"""Prompt and answer templates, shipped as package data and read through importlib.resources.

- `load(name)`: the text of a file under prompts/ (e.g. "system_zh.md").
- `environment()`: a Jinja2 environment over prompts/ (templates of the offline answerer live under
  offline/<lang>/<intent>.md.jinja); the caller adds its filters.
"""

from __future__ import annotations

from importlib import resources
from typing import Any


def load(name: str) -> str:
    """Text of prompts/<name>; FileNotFoundError names the missing file."""
    path = resources.files(__name__).joinpath(*name.split("/"))
    if not path.is_file():
        raise FileNotFoundError(f"prompt template {name!r} not found in the prompts package")
    return path.read_text(encoding="utf-8")


def environment(**options: Any) -> Any:
    """A Jinja2 Environment loading templates from this package (compiled templates are cached by Jinja)."""
    import jinja2

    def source(name: str) -> tuple[str, str, Any]:
        return load(name), name, lambda: True

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(source),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
        **options,
    )


__all__ = ["environment", "load"]
