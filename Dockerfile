# The sandbox server's image: one session container of the Azure Container Apps dynamic-sessions pool.
# `azd up` builds it in the container registry (azure.yaml, service `sandbox`); the pool runs it with no egress.
# Locally the same entry point runs on loopback: `sre-agent-sandbox-server --port 8080 --workspace DIR`.
FROM python:3.11-slim-bookworm

# bash runs every command; bubblewrap is used where the session allows user namespaces (the subprocess
# sandbox with the same limits otherwise, the container being the boundary); git for `changes` and the agent.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bash bubblewrap git ca-certificates procps \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/sre-agent
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY pyproject.toml README.md ./
COPY agentcore ./agentcore
COPY functions ./functions
RUN pip install --no-cache-dir --no-deps . && rm -rf /opt/sre-agent/agentcore /opt/sre-agent/functions

RUN useradd --create-home --uid 1000 --shell /bin/bash sandbox
USER sandbox
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8
WORKDIR /home/sandbox
EXPOSE 8080
ENTRYPOINT ["sre-agent-sandbox-server", "--host", "0.0.0.0", "--port", "8080", "--workspace", "/home/sandbox/workspace"]
