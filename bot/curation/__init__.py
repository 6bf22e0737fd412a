"""The curators' log of unsure turns, and ``kapbot report`` over it."""
