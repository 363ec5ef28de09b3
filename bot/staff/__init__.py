"""Staff tools: the conversation report."""
