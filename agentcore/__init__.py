"""sre-agent's core: the agent, its tools, context engineering and pipeline stages.

Knows nothing of Azure Functions; vendor SDKs live only in adapter modules.
"""

__version__ = "0.1.0"
