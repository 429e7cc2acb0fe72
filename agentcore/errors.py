"""One error hierarchy, split by what a caller can do about it."""

from __future__ import annotations


class AgentCoreError(Exception):
    """Root of every error the core raises on purpose."""


class ConfigError(AgentCoreError):
    """The configuration is missing or contradictory; a person must fix it."""


class UserInputError(AgentCoreError):
    """Input from outside (an alert, a scenario, a CLI flag) is malformed."""


class ScenarioError(UserInputError):
    """A scenario directory breaks the format of SCENARIOS.md; the message names the file."""


class ModelError(AgentCoreError):
    """A model provider call failed. `retryable` says whether the transport policy may try again."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class ContextTooLongError(ModelError):
    """The provider refused the request because the prompt exceeds the model's window."""

    def __init__(self, message: str, *, status: int | None = 400) -> None:
        super().__init__(message, retryable=False, status=status)


class ModelOutputError(AgentCoreError):
    """What the model wrote (a file it was asked for) is malformed; the message says what to fix, for the model."""


class ToolError(AgentCoreError):
    """A tool could not do what was asked; the loop turns this into an observation for the model."""


class PathOutsideWorkspaceError(ToolError):
    """A path would leave the workspace (absolute, `..`, or a symlink pointing out)."""


class StorageError(AgentCoreError):
    """A blob or queue operation failed."""


class BlobNotFoundError(StorageError):
    """The named blob does not exist."""


class PreconditionFailedError(StorageError):
    """A conditional write lost: the ETag moved on, or the blob already exists."""


class SandboxError(AgentCoreError):
    """The sandbox could not start or run a command (not: the command itself failed)."""
