"""The faster image measures give exactly the values of the straightforward ones."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from validators.support import imaging


def _reference_close(img: np.ndarray, k: int) -> np.ndarray:
    return cv2.morphologyEx(img, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))  # type: ignore[no-any-return]


@pytest.mark.parametrize("k", [3, 23, 45, 51, 75, 121])
@pytest.mark.parametrize("kind", ["grey", "sparse", "dense"])
def test_close_ellipse_is_opencvs_closing(k: int, kind: str) -> None:
    rng = np.random.default_rng(k)
    for h, w in [(1, 1), (7, 300), (90, 60), (160, 210)]:
        if kind == "grey":
            img = (rng.random((h, w)) * 255).astype(np.uint8)
        else:
            img = (rng.random((h, w)) < (0.03 if kind == "sparse" else 0.97)).astype(np.uint8)
        assert np.array_equal(imaging.close_ellipse(img, k), _reference_close(img, k)), (h, w, k)


def test_channel_spread_and_sum_are_numpys() -> None:
    rng = np.random.default_rng(0)
    px = (rng.random((5000, 3)) * 255).astype(np.float32) * np.float32(1.37)
    assert np.array_equal(imaging._channel_spread(px), px.max(axis=1) - px.min(axis=1))
    assert np.array_equal(imaging._channel_sum(px), px.sum(axis=1))
