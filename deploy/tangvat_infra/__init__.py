"""Building blocks of deploy/localinfra.py: installers, a Kafka node, a PostgreSQL cluster."""
