"""Build time: the spaCy pipeline, Rasa's data compiled from content/, training, checks and scoring."""
