"""`topology`: the Azure resources of the incident, read from the workspace's data/topology.json.

    topology show                        every resource: subscription -> resource group -> resource
    topology show --around ID [--depth N]
        the resources within N dependsOn-hops of one resource, both ways (default depth 1);
        ID is a resource id or a unique resource name

Each resource shows its type, region, id, tags and what it depends on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agentcore.connectors.commands._cli import EXIT_MISSING, EXIT_OK, OneLineParser, emit, fail, run
from agentcore.connectors.topology import MAX_DEPTH, neighbourhood, render_topology
from agentcore.connectors.topology.scenario import ScenarioTopology

PROG = "topology"
TOPOLOGY_FILE = Path("data/topology.json")
MAX_RESOURCES_SHOWN = 80
"""Resources printed before "(truncated: N more)"; narrow with --around."""


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_DEPTH:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and {MAX_DEPTH}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{show}", parser_class=OneLineParser)
    show = commands.add_parser("show", help="the resources, or the neighbourhood of one")
    show.add_argument("--around", metavar="RESOURCE_ID", help="a resource id or unique name to centre on")
    show.add_argument("--depth", type=_depth, default=1, help="dependsOn hops from --around (default 1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(PROG, _parser(), argv, _act)


def _act(args: argparse.Namespace) -> int:
    if not TOPOLOGY_FILE.is_file():  # relative: the workspace is the working directory
        return fail(PROG, f"this workspace has no {TOPOLOGY_FILE} (the scenario records no topology)", EXIT_MISSING)
    resources = ScenarioTopology(TOPOLOGY_FILE).resources()
    shown = neighbourhood(resources, args.around, args.depth)
    text = render_topology(shown, args.around, max_resources=MAX_RESOURCES_SHOWN)
    if args.around is not None:
        hops = "hop" if args.depth == 1 else "hops"
        text = f"neighbourhood of {args.around} within {args.depth} {hops}: " + text
    emit([text])
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
