"""A Python exception as Application Insights records one: its type, message and parsed stack.

The stack is the real one: the frames the exception's traceback unwound (from where it was caught
down to where it was raised) and, above them, the callers still running when it was recorded. Frames
are innermost first (level 0 is where it was raised), as `parsedStack` orders them. A frame of
sre-agent's own code names its file relative to the repository (`agentcore/models/_retry.py`), so
clustering counts it as in-app and tracing finds it in the repository; any other frame keeps its
absolute path (`.../site-packages/anthropic/...`), which clustering skips as framework.
"""

from __future__ import annotations

import types
from pathlib import Path

from pydantic import BaseModel, ConfigDict

import agentcore
from agentcore.redaction import redact_text

SOURCE_ROOT = Path(agentcore.__file__).resolve().parent.parent
"""The directory holding the `agentcore` package: in-app paths are relative to it."""

_INSTALLED = {"site-packages", "dist-packages", "venv"}

MAX_FRAMES = 64
"""Deeper stacks keep their innermost frames (where it failed) and lose the outermost callers."""


class ParsedFrame(BaseModel):
    """One frame as `parsedStack` holds it."""

    model_config = ConfigDict(frozen=True)

    level: int
    method: str
    """`module.Class.function`: the module and qualified name of the code that ran."""
    fileName: str  # noqa: N815 - Application Insights' name
    line: int


class FailureDetails(BaseModel):
    """A failure as one AppExceptions row needs it."""

    model_config = ConfigDict(frozen=True)

    exception_type: str
    """The qualified class of the exception that was raised: `anthropic.RateLimitError`."""
    message: str
    """Redacted."""
    frames: tuple[ParsedFrame, ...]


def describe_exception(exc: BaseException, *, message: str | None = None) -> FailureDetails:
    """`exc` with its real stack; call it while the handler that caught it is still running."""
    raw = _callers(exc.__traceback__) + _unwound_frames(exc.__traceback__)  # outermost first
    innermost_first = list(reversed(raw))[:MAX_FRAMES]
    frames = tuple(
        ParsedFrame(level=level, method=_method(code), fileName=source_file(code.co_filename), line=line)
        for level, (code, line) in enumerate(innermost_first)
    )
    return FailureDetails(
        exception_type=qualified_type(exc),
        message=redact_text(message if message is not None else str(exc)),
        frames=frames,
    )


_Raw = tuple[types.CodeType, int]


def _unwound_frames(tb: types.TracebackType | None) -> list[_Raw]:
    """Outermost first: from the frame that caught the exception down to the one that raised it."""
    frames: list[_Raw] = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _callers(tb: types.TracebackType | None) -> list[_Raw]:
    """Outermost first: the frames that called the one that caught it, still on the stack."""
    callers: list[_Raw] = []
    frame = tb.tb_frame.f_back if tb is not None else None
    while frame is not None and len(callers) < MAX_FRAMES:
        callers.append((frame.f_code, frame.f_lineno or 0))
        frame = frame.f_back
    callers.reverse()
    return callers


def _method(code: types.CodeType) -> str:
    module = module_name(code.co_filename)
    return f"{module}.{code.co_qualname}" if module else code.co_qualname


def source_file(filename: str) -> str:
    """`agentcore/models/_retry.py` for our own code; the absolute path for anything else."""
    path = Path(filename)
    try:
        relative = path.resolve().relative_to(SOURCE_ROOT)
    except ValueError:
        return filename
    if relative.parts and (relative.parts[0].startswith(".") or _INSTALLED & set(relative.parts)):
        return filename  # a virtualenv or the Functions app's .python_packages beside our code
    return relative.as_posix()


def module_name(filename: str) -> str:
    """`agentcore.models._retry` for a file under the source root; the file's stem otherwise."""
    relative = source_file(filename)
    if relative == filename:
        return Path(filename).stem
    return relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def qualified_type(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


__all__ = ["MAX_FRAMES", "SOURCE_ROOT", "FailureDetails", "ParsedFrame", "describe_exception", "qualified_type"]
