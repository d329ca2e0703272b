"""The tools layer: what the agent may read and do, always as the principal (records, nudges, views)."""
