"""How `Settings` reads the environment: pydantic-settings' rules for our fields, without its import.

Importing pydantic-settings (its sources for dotenv, secrets, CLI, cloud vaults, and asyncio) took about 50 ms,
a tenth of a short CLI run, to read a few environment variables. The rules it applied to `Settings` (env prefix
`SRE_AGENT_`, case-insensitive names, `populate_by_name`, no .env file) are these, and `Settings` keeps them:

- a field with a validation alias is read from each of its alias names in order, then from `SRE_AGENT_<field>`;
  any other field from `SRE_AGENT_<field>`; names match whatever their case; the first one set wins;
- a complex field (a tuple, list, set or dict) holds JSON; any other is the text as it is, validated by pydantic;
- a value given to `Settings(...)` (by field name or alias) wins over the environment.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from agentcore.errors import ConfigError


class SettingsParseError(ConfigError, ValueError):
    """An environment variable of a complex setting does not hold JSON (a ValueError, as pydantic-settings' was)."""


def environment_values(
    fields: Mapping[str, FieldInfo], environ: Mapping[str, str], given: Mapping[str, Any], *, prefix: str
) -> dict[str, Any]:
    """The values of `fields` from `environ`, overridden by `given`, keyed by field name."""
    lowered = {name.lower(): value for name, value in environ.items()}
    values: dict[str, Any] = {}
    for field_name, field in fields.items():
        for name in environment_names(field_name, field, prefix=prefix):
            if name.lower() in lowered:
                values[field_name] = _parsed(field_name, field, lowered[name.lower()])
                break
    values.update(_by_field_name(fields, given))
    return values


def environment_names(field_name: str, field: FieldInfo, *, prefix: str) -> list[str]:
    """The environment variables a field is read from, in the order they are tried."""
    alias = field.validation_alias
    names = [str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices) else []
    if isinstance(alias, str):
        names.append(alias)
    names.append(prefix + field_name)
    return names


def _by_field_name(fields: Mapping[str, FieldInfo], given: Mapping[str, Any]) -> dict[str, Any]:
    """`given` keyed by field name: a key may be a field's name or one of its aliases, in any case."""
    owner = {}
    for field_name, field in fields.items():
        for name in environment_names(field_name, field, prefix=""):
            owner[name.lower()] = field_name
    return {owner.get(key.lower(), key): value for key, value in given.items()}


def _parsed(field_name: str, field: FieldInfo, text: str) -> Any:
    if not _is_complex(field.annotation):
        return text
    try:
        return json.loads(text)
    except ValueError as e:
        raise SettingsParseError(f'error parsing value for field "{field_name}" from source "EnvSettingsSource"') from e


def _is_complex(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return any(_is_complex(arg) for arg in get_args(annotation) if arg is not type(None))
    kind = origin or annotation
    if not isinstance(kind, type) or issubclass(kind, str | bytes):
        return False
    return issubclass(kind, tuple | list | set | frozenset | dict | BaseModel)


__all__ = ["SettingsParseError", "environment_names", "environment_values"]
