"""What the assistant says and about whom: content/ topics, the catalogue, clinic.yml, phrases."""
