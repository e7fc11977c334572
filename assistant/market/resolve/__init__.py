"""Resolution of what the user typed: securities (codes, names, aliases), dates, periods and language.

Everything here is pure and fast (a question resolves in well under a millisecond): the answerer calls it
on every turn before touching any data.
"""

from assistant.market.resolve.calendar import FALLBACK_HOLIDAYS, TradingCalendar
from assistant.market.resolve.dates import Period, ResolvedDate, resolve_date, resolve_period
from assistant.market.resolve.entities import Entity, Known, Lexicon, resolve_entities
from assistant.market.resolve.language import detect_language

__all__ = [
    "FALLBACK_HOLIDAYS",
    "Entity",
    "Known",
    "Lexicon",
    "Period",
    "ResolvedDate",
    "TradingCalendar",
    "detect_language",
    "resolve_date",
    "resolve_entities",
    "resolve_period",
]
