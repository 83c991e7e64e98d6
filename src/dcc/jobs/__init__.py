"""Jobs between stages: one interface (base.py), an embedded table backend and NATS JetStream."""
