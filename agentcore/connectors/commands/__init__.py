"""Commands the agent runs inside the sandbox (`bin/logs`, `bin/changes`, `bin/topology`).

Each is a module with `main(argv) -> int`, run as `python -m agentcore.connectors.commands.<name>`
with the workspace as the working directory. Plain Python and git only: no network in the sandbox.
"""
