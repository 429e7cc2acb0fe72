"""What the blueprints share: the stage context from the app's wiring, and turning answers into HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import azure.functions as func

from agentcore.errors import AgentCoreError
from agentcore.pipeline import StageContext
from agentcore.pipeline.api import ApiResponse
from agentcore.pipeline.wiring import app_dependencies

F = TypeVar("F", bound=Callable[..., Any])


def stage_context() -> StageContext:
    """The pipeline's context in the Functions app: its adapters, and Service Bus to send on."""
    deps = app_dependencies()
    if deps.queue is None:
        raise RuntimeError("no queue is configured: set the ServiceBusConnection app setting")
    return StageContext(deps, deps.queue)


def http_response(answer: ApiResponse) -> func.HttpResponse:
    return func.HttpResponse(
        body=answer.body,
        status_code=answer.status,
        headers=dict(answer.headers),
        mimetype=answer.content_type.split(";")[0],
        charset="utf-8",
    )


class MessageRefusedError(AgentCoreError):
    """Raised to leave a message unsettled: Service Bus delivers it again, then dead-letters it.

    The Python worker cannot dead-letter a message itself, so a message the pipeline refuses runs
    out its deliveries; the clear reason is in this error (logged) and in `deadletters/`.
    """


def typed(decorator: Any) -> Callable[[F], F]:
    """A Durable Functions decorator (the library has no type information) that keeps the function's type."""
    return cast(Callable[[F], F], decorator)
