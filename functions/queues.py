"""Service Bus triggers: `alerts`, `stages` (one message type per stage) and `stages`' dead letters.

A function that returns completes its message; one that raises leaves it to be delivered again,
and Service Bus dead-letters it after the queue's MaxDeliveryCount (set it equal to the
`stage_max_delivery_count` setting). A `fanout` stage answers with the children to start; this edge
starts the Durable orchestration for them, under an instance id derived from the step, once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from agentcore.pipeline import FanOutOrder, StageOutcome, handle_alert_message, stages
from agentcore.pipeline.fanout import ORCHESTRATOR_NAME
from functions._edge import MessageRefusedError, stage_context, typed

logger = logging.getLogger(__name__)

CONNECTION = "ServiceBusConnection"
_STARTED = {"Running", "Pending", "Completed", "ContinuedAsNew", "Suspended"}

bp = df.Blueprint()


def _settle(queue: str, msg: func.ServiceBusMessage, outcome: StageOutcome) -> None:
    if outcome.settle == "dead_letter":
        stages.record_refusal(stage_context(), queue, msg.message_id or "", outcome.reason, outcome.description)
        raise MessageRefusedError(f"{outcome.reason}: {outcome.description}")


@typed(bp.service_bus_queue_trigger(arg_name="msg", queue_name="alerts", connection=CONNECTION))
def on_alert(msg: func.ServiceBusMessage) -> None:
    """Start an investigation for an alert, or attach it to the open one with its fingerprint."""
    outcome = handle_alert_message(stage_context(), msg.get_body())
    _settle("alerts", msg, outcome)


@typed(bp.service_bus_queue_trigger(arg_name="msg", queue_name="stages", connection=CONNECTION))
@typed(bp.durable_client_input(client_name="client"))
async def on_stage(msg: func.ServiceBusMessage, client: Any) -> None:
    """Run one stage of one investigation (off the event loop: a stage may take minutes)."""
    ctx = stage_context()
    outcome = await asyncio.to_thread(stages.handle_stage_message, ctx, msg.get_body(), delivery_count=_deliveries(msg))
    if outcome.fan_out is not None:
        await _start_fan_out(client, outcome.fan_out)
    _settle("stages", msg, outcome)


async def _start_fan_out(client: Any, order: FanOutOrder) -> None:
    """Start the orchestration for `order` unless this step's instance exists already."""
    status = await client.get_status(order.instance_id)
    runtime_status = getattr(getattr(status, "runtime_status", None), "value", None)
    if runtime_status in _STARTED:
        logger.info("fan-out %s is %s already", order.instance_id, runtime_status)
        return
    await client.start_new(ORCHESTRATOR_NAME, instance_id=order.instance_id, client_input=order.model_dump_json())
    logger.info("fan-out %s started with %d children", order.instance_id, len(order.children))


@typed(bp.service_bus_queue_trigger(arg_name="msg", queue_name="stages/$DeadLetterQueue", connection=CONNECTION))
def on_dead_stage(msg: func.ServiceBusMessage) -> None:
    """A stage message Service Bus gave up on: its investigation is marked failed, with the reason."""
    stages.handle_dead_lettered_stage(
        stage_context(),
        msg.get_body(),
        reason=msg.dead_letter_reason or "dead-lettered",
        description=msg.dead_letter_error_description or "",
    )


def _deliveries(msg: func.ServiceBusMessage) -> int:
    return msg.delivery_count or 1
