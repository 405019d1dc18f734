"""Ministry-side review (formal review, expert committee, site inspection, publicity): issue 4."""
