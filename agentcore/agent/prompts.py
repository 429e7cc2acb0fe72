"""Prompt templates live as files under agentcore/prompts/ and render strictly."""

from __future__ import annotations

from importlib import resources
from string import Template

from agentcore.errors import ConfigError


def render_prompt(name: str, **variables: str) -> str:
    """Render `agentcore/prompts/<name>.md`; a missing variable is an error, never an empty hole."""
    try:
        text = resources.files("agentcore.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"no prompt template named {name!r}") from e
    try:
        return Template(text).substitute(variables)
    except KeyError as e:
        raise ConfigError(f"prompt {name!r} needs the variable {e.args[0]!r}") from e
    except ValueError as e:
        raise ConfigError(f"prompt {name!r} is not a valid template: {e}") from e
