"""What to say: answers from the store, misunderstanding steps and reading Rasa's parse data."""
