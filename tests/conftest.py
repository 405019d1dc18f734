import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never the developer's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
