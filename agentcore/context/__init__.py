"""Context engineering: what the agent is told before it acts, and how its context stays frugal."""
