"""The deterministic crisis detector (bot/safety/): its gates, decisions, canonical form,
patterns files and invariances. No timing tests: speed is measured by bench/crisis_detection.py."""
