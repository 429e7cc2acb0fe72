"""The sandbox server: the Sandbox port's operations over HTTP, for one workspace, inside a session container.

It runs in each session of an Azure Container Apps dynamic-sessions pool (the image the repository's
Dockerfile builds), and the same way on a developer's machine: `sre-agent-sandbox-server --port 8080` (or
`python -m agentcore.sandbox.server`). The pool forwards `<pool endpoint>/<path>?identifier=<session>` to
the container's port; `RemoteSandbox` is the client.

- The workspace arrives as the pipeline's tar.zst (`PUT /workspace`), with a key chosen by the client and the
  limits its commands run under. A session that lost it (recycled after its idle timeout) answers 409, and
  the client uploads it again.
- Commands run through the local sandboxes: bubblewrap where it can build its sandbox here, otherwise the
  subprocess sandbox, under the same limits (wall and CPU time, output, processes and memory by cgroup where
  writable, file size, workspace quota). In a session container without user namespaces the container is the
  boundary: the pool gives it no egress (`sessionNetworkConfiguration: EgressDisabled`) and no credential.
- A command's changes travel back with its result (the paths it changed or deleted), so the client keeps its
  mirror of the workspace exact; `POST /workspace/export` sends those paths as tar.zst.
- Connector commands (`logs`) reach the host's broker through a relay on the session channel (`_relay`).

Not a boundary against a subprocess-sandboxed command calling this server on loopback: every route but
/health needs the workspace key, which only the client and this process's memory hold.
"""

from __future__ import annotations

from agentcore.sandbox.server._app import EVENT_WAIT_S, SandboxServer, create_app

__all__ = ["EVENT_WAIT_S", "SandboxServer", "create_app"]
