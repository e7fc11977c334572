"""market-assistant: answers questions about A-share index ETFs with numbers it can prove."""

__version__ = "0.1.0"

__all__ = ["__version__"]
