"""Tags for the human message: record text escaped so it can neither open nor close a tag."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape text for the inside of a tag: it cannot open or close one."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: object) -> str:
    """``value`` escaped for an attribute (quotes too)."""
    return escape(str(value)).replace('"', "&quot;")


def tag(name: str, body: str = "", **attrs: object) -> str:
    """``<name a="1">body</name>``; attributes with value None are left out; body must be escaped."""
    rendered = "".join(f' {k}="{attr(v)}"' for k, v in attrs.items() if v is not None)
    return f"<{name}{rendered}>{body}</{name}>"
