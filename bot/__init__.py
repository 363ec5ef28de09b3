"""The advising assistant's application code: knowledge store, NLP build and command line."""
