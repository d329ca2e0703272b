"""`coach knowledge …` commands (placeholder, being written)."""

import typer

knowledge_app = typer.Typer(help="Coaching corpus and HR policy documents.")
