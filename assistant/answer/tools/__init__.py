"""The tools both answerers use: typed results (`results`), the `Toolbox` over market data and retrieval
(`toolbox`), passage shaping (`passages`) and the LangChain `StructuredTool` adapters (`adapters`).

Importing this package stays light: LangChain is imported only when `build_tools` runs.
"""

from assistant.analysis.figures import period_tag
from assistant.answer.tools.adapters import TOOL_SPECS, build_tools, error_kind
from assistant.answer.tools.passages import defuse_quote
from assistant.answer.tools.results import (
    ConstituentsResult,
    Contributor,
    ErrorKind,
    FlowsResult,
    Holding,
    IndustryContribution,
    MoveResult,
    PassageRef,
    ProfileResult,
    QuoteResult,
    SearchResult,
    ToolError,
    ToolResult,
    UnitsSpan,
)
from assistant.answer.tools.toolbox import Searcher, Toolbox

__all__ = [
    "TOOL_SPECS",
    "ConstituentsResult",
    "Contributor",
    "ErrorKind",
    "FlowsResult",
    "Holding",
    "IndustryContribution",
    "MoveResult",
    "PassageRef",
    "ProfileResult",
    "QuoteResult",
    "SearchResult",
    "Searcher",
    "ToolError",
    "ToolResult",
    "Toolbox",
    "UnitsSpan",
    "build_tools",
    "defuse_quote",
    "error_kind",
    "period_tag",
]
