"""The agent layer: the task and chat graphs, their checks, the offline drafter and the prompts."""
