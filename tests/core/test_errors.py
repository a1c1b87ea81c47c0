"""The typed errors: one hierarchy, one exit code per kind (DESIGN.md section 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookctl.core import errors
from tests.core.test_http import make


def test_a_404_is_a_not_found_error_with_exit_3(tmp_path: Path) -> None:
    client, _ = make(tmp_path)
    with pytest.raises(errors.NotFoundError) as caught:
        client.get_json("products/99999")
    assert isinstance(caught.value, errors.ApiNotFoundError)
    assert caught.value.status == 404
    assert (caught.value.exit_code, caught.value.code) == (3, "not_found")
