"""The one lxml parser setting for XML from untrusted files (Office parts, Wi-Fi profiles).

No entity expansion, no DTD loading, no network, no huge trees: a hostile file cannot make the
parser read local files, reach the network or blow up memory. Comments and processing
instructions are dropped; nothing we read lives in them.
"""

from __future__ import annotations

from lxml import etree


def parser() -> etree.XMLParser:
    """A new parser (lxml parsers keep state, so each module holds its own)."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
