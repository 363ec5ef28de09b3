"""NLU pieces: the spaCy pipeline builder, the crisis safety net and the training-data importer."""
