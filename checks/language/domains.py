"""Domain names checked offline against the public suffix list bundled with tldextract.

tldextract's default extractor fetches the list over the network on first use; this one
only reads the snapshot shipped inside the package, loaded once per process on first use.
"""

from __future__ import annotations

import functools

import tldextract


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def has_public_suffix(host: str) -> bool:
    """Whether `host` ends in a registrable suffix ("example.com" yes, "notes.txt" no)."""
    return _extractor()(host).suffix != ""
