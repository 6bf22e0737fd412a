"""kapbot: a patient-education assistant for KAP clinics, built on Rasa."""
import os

# These must be set before TensorFlow, SQLAlchemy or Rasa are first imported,
# which is why they live here and not in the settings object.
for _name, _value in {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}.items():
    os.environ.setdefault(_name, _value)
