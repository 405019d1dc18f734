"""The laboratory's life after approval (construction to evaluation): issue 5."""
