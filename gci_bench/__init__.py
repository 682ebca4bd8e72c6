"""gci-bench: General Capabilities Integration benchmark and training toolkit for Chinese legal LLMs."""

from __future__ import annotations

__version__ = "0.1.0"
