"""The demo organisation, Noordlicht Logistics (slug ``demo``): data in ``org.yaml``."""

from knowledge.demo.seed import (
    DEMO_KEYS,
    DEMO_ORG_ID,
    DEMO_SLUG,
    PLANTED,
    demo_id,
    demo_person_id,
    demo_spec,
    demo_team_id,
    load_demo_data,
    seed_demo,
)

__all__ = [
    "DEMO_KEYS",
    "DEMO_ORG_ID",
    "DEMO_SLUG",
    "PLANTED",
    "demo_id",
    "demo_person_id",
    "demo_spec",
    "demo_team_id",
    "load_demo_data",
    "seed_demo",
]
