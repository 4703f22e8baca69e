"""Live events between a person's chat and the staff watching it, across every gateway."""
