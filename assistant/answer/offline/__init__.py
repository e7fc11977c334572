"""The offline answerer: no model, no network. Understands the question (`assistant.answer.intent`), calls the
same Toolbox methods the LLM agent's tools wrap, and writes an analyst's note from the Jinja2 templates in
prompts/offline/.

- `answerer`: the entry (`OfflineAnswerer`) and `ROUTES`, the table from ask kind to handler;
- one module per ask family (`move`, `flows`, `holdings`, `quote`, `comparison`, `docs`, `methodology`,
  `news`), each a function `answer(ctx) -> str`;
- `context.AskContext`: what every handler receives; `render.Render`: the formatting filters that register
  every printed number with the answer's ledger; `labels`: how securities and industries are named.

Every number reaches the text through a `Render` filter and every passage through `AskContext.cite`, so an
answer's facts and citations are exactly what it states and relies on.
"""

from assistant.answer.offline.answerer import ROUTES, OfflineAnswerer

__all__ = ["ROUTES", "OfflineAnswerer"]
