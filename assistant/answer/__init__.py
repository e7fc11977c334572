"""Answering: tools, the offline answerer, the LLM agent, grounding and citations."""
