"""Builds the agent of one investigation: the parent session, its tools and its subagents."""

from __future__ import annotations

from collections.abc import Callable

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.loop import AgentRuntime, StepEvent, run_session
from agentcore.agent.prompts import render_prompt
from agentcore.agent.session import Budget, ChildRecord, Session
from agentcore.agent.spawn import ChildRunner, FanOut, SpawnTool, thread_fan_out
from agentcore.context import ContextConfig, ContextKeeper
from agentcore.models import Message, ModelClient, SystemBlock, Usage
from agentcore.reports.conclusion import conclusion_problem
from agentcore.sandbox import Sandbox
from agentcore.settings import Settings
from agentcore.skills import workspace_skills_index
from agentcore.telemetry.spans import TracedToolbox, local_tool_rows
from agentcore.tools.core import core_tools

Checkpoint = Callable[[Session], None]


def parent_budget(settings: Settings) -> Budget:
    return Budget(
        step_limit=settings.step_limit,
        token_limit=settings.token_limit,
        wall_time_limit_s=settings.wall_time_limit_s,
        cost_limit_usd=settings.cost_limit_usd,
    )


def child_budget(settings: Settings) -> Budget:
    """Each subagent gets a slice of the parent's limits, so a fan-out cannot outspend its parent."""
    share = max(1, settings.subagent_parallelism)
    return Budget(
        step_limit=settings.subagent_step_limit,
        token_limit=settings.token_limit // share,
        wall_time_limit_s=settings.wall_time_limit_s / 2,
        cost_limit_usd=settings.cost_limit_usd / share,
    )


def system_blocks(prompt_name: str, orientation: str, skills_index: str = "") -> tuple[SystemBlock, ...]:
    """Static prompt with the skills index (cache breakpoint 1), then the session-static orientation (breakpoint 2)."""
    static = render_prompt(prompt_name) + (f"\n{skills_index}" if skills_index else "")
    return (
        SystemBlock(text=static, cache_breakpoint=True),
        SystemBlock(text=orientation, cache_breakpoint=True),
    )


def new_parent_session(
    investigation_id: str,
    *,
    model: ModelClient,
    orientation: str,
    task: str,
    settings: Settings,
    skills_index: str = "",
) -> Session:
    return Session(
        id=investigation_id,
        investigation_id=investigation_id,
        model=f"{model.provider}:{model.model}",
        system=system_blocks("system", orientation, skills_index),
        messages=[Message(role="user", content=task)],
        budget=parent_budget(settings),
    )


def _conclusion_check(sandbox: Sandbox) -> Callable[[Session], str | None]:
    def check(_session: Session) -> str | None:
        problem = conclusion_problem(sandbox)
        if problem is None:
            return None
        return f"Before you finish: {problem} Write report/conclusion.json as the system prompt describes."

    return check


def build_agent_runtime(
    session: Session,
    *,
    model: ModelClient,
    sandbox: Sandbox,
    settings: Settings,
    clock: Callable[[], float],
    estimate_cost_usd: Callable[[str, Usage], float | None],
    checkpoint: Checkpoint | None = None,
    on_step: Callable[[StepEvent], None] | None = None,
    context_config: ContextConfig | None = None,
    fan_out: FanOut | None = None,
) -> AgentRuntime:
    """The parent's runtime: core tools plus `spawn`, whose children share the workspace.

    Parent and children each get a ContextKeeper (spill, pruning, compaction); a child saves its
    outputs in a folder of its own under the parent's outputs folder.
    """
    config = context_config or ContextConfig()
    keeper = ContextKeeper(sandbox, config=config, max_output_tokens=settings.max_output_tokens)
    run_child = child_runner(
        session, model=model, sandbox=sandbox, settings=settings, clock=clock,
        estimate_cost_usd=estimate_cost_usd, on_step=on_step, context_config=config,
    )  # fmt: skip

    def keep_child(hypothesis: Hypothesis, child: Session) -> None:
        session.redaction.absorb(child.redaction)
        session.children.append(
            ChildRecord(
                session_id=child.id,
                hypothesis=hypothesis.statement,
                status=child.status,
                usage=child.usage,
                model_calls=child.model_calls,
                cost_usd=child.cost_usd,
                bytes_sent=child.bytes_sent,
            )
        )

    spawn = SpawnTool(
        run_child,
        sandbox,
        fan_out=fan_out or thread_fan_out(settings.subagent_parallelism),
        max_hypotheses=settings.subagent_parallelism,
        on_child_finished=keep_child,
    )
    return AgentRuntime(
        model=model,
        toolbox=TracedToolbox([*core_tools(sandbox), spawn], rows=local_tool_rows(settings)),
        clock=clock,
        estimate_cost_usd=estimate_cost_usd,
        checkpoint=checkpoint,
        on_step=on_step,
        finish_check=_conclusion_check(sandbox),
        max_output_tokens=settings.max_output_tokens,
        malformed_tool_call_limit=settings.malformed_tool_call_limit,
        cache_key=session.investigation_id,
        prepare_request=keeper.prepare_request,
        context=keeper,
    )


def child_runner(
    parent: Session,
    *,
    model: ModelClient,
    sandbox: Sandbox,
    settings: Settings,
    clock: Callable[[], float],
    estimate_cost_usd: Callable[[str, Usage], float | None],
    on_step: Callable[[StepEvent], None] | None = None,
    context_config: ContextConfig | None = None,
) -> ChildRunner:
    """Runs one hypothesis of `parent` (at its current step) as a child session to its end."""
    config = context_config or ContextConfig()

    def run_child(hypothesis: Hypothesis, index: int) -> Session:
        suffix = f"s{parent.step}.h{index}"
        child_keeper = ContextKeeper(
            sandbox,
            config=config.model_copy(update={"outputs_dir": f"{config.outputs_dir}/{suffix}"}),
            max_output_tokens=settings.max_output_tokens,
        )
        child = Session(
            id=f"{parent.id}.{suffix}",
            investigation_id=parent.investigation_id,
            parent_id=parent.id,
            model=parent.model,
            system=system_blocks(
                "subagent", parent.system[1].text if len(parent.system) > 1 else "", workspace_skills_index(sandbox)
            ),
            messages=[Message(role="user", content=_child_task(hypothesis))],
            budget=child_budget(settings),
            redaction=parent.redaction.model_copy(deep=True, update={"counts": {}}),
        )
        child_runtime = AgentRuntime(
            model=model,
            toolbox=TracedToolbox(core_tools(sandbox), rows=local_tool_rows(settings)),
            clock=clock,
            estimate_cost_usd=estimate_cost_usd,
            on_step=on_step,
            max_output_tokens=settings.max_output_tokens,
            malformed_tool_call_limit=settings.malformed_tool_call_limit,
            prepare_request=child_keeper.prepare_request,
            context=child_keeper,
        )
        return run_session(child, child_runtime)

    return run_child


def _child_task(hypothesis: Hypothesis) -> str:
    text = f"Hypothesis to check: {hypothesis.statement}"
    if hypothesis.instructions:
        text += f"\n\nWhere to start: {hypothesis.instructions}"
    return text
