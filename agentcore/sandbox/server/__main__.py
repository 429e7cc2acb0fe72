"""`sre-agent-sandbox-server`: run the sandbox server (in a session container, or on loopback for development)."""

from __future__ import annotations

import argparse
import logging
import socket
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from agentcore.sandbox.server._app import SandboxServer, create_app


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sre-agent-sandbox-server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument("--fd", type=int, default=None, help="listen on this already-bound socket instead")
    parser.add_argument("--workspace", type=Path, default=Path("/workspace"), help="where the workspace lives")
    parser.add_argument("--sandbox", choices=["auto", "bubblewrap", "subprocess"], default="auto")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=args.log_level.upper())
    app = create_app(SandboxServer(args.workspace.resolve(), kind=args.sandbox))
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    server = uvicorn.Server(config)
    if args.fd is not None:
        server.run(sockets=[socket.socket(fileno=args.fd)])
    else:
        server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
