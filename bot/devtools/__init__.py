"""Developer tools: NLU evaluation and starting the servers."""
