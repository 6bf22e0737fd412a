"""kapbot's parts of Rasa's NLU pipeline, and reading its result.

The sentence vectors, the crisis net and the confidence gate run inside the trained model.
"""
