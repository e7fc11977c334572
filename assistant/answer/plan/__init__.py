"""The question plan: what a question asks, as an ordered list of asks, each answered by its own short section.

`understand` (intent.py) reads one clause: its securities, day or period, and a coarse intent. A question may
ask several things ("今天收盘多少、谁领涨、申购了多少份") and may ask something the intents do not name (a return
over a period, the runner-up of the list shown before, advice). `make_plan` splits the question into clauses,
understands each (later clauses inherit the subjects and day of earlier ones), and gives each a `measure`.

The plan is plain typed data, so the offline answerer routes on `Ask.measure` and an LLM writer can be handed
the same plan. `Plan.context()` is what the session stores for the next turn: the subjects, the day and the
ranked lists the answer showed, so "and the runner-up?" or "排第三的那只呢？" can be resolved.
"""

from assistant.answer.plan.build import make_plan
from assistant.answer.plan.model import Ask, Measure, Plan, RankedList

__all__ = ["Ask", "Measure", "Plan", "RankedList", "make_plan"]
