"""What the assistant does, one module per area; routes.py wires them together."""
