"""What an application announces to the apps above it."""

from django.dispatch import Signal

# Both ministries have signed the approval for construction (Art. 7, 13); sent inside the approving
# transaction with `application` and `by`. The laboratory app creates the laboratory (Art. 18).
approved = Signal()
