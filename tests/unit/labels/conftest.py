"""Fixtures that turn rendered labels into images and decode their barcodes with real decoders.

ZPL is rasterised offline by zplkit (a renderer modelled on Zebra firmware), PDF by
poppler's pdftoppm at 300 dpi; both are decoded by zxing-cpp. A missing tool skips the
tests that need it and says which package provides it; under CI=true it fails them instead,
so that CI cannot pass without having decoded anything.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def _module(name: str, reason: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        _missing(reason)


@pytest.fixture(scope="session")
def decode():
    """decode(image) -> sorted [(AIM symbology identifier, text, raw bytes)] of every barcode found."""
    zxingcpp = _module("zxingcpp", "barcode decoder missing: pip install zxing-cpp")

    def _decode(image, **options):
        found = zxingcpp.read_barcodes(image, **options)
        return sorted((b.symbology_identifier, b.text, bytes(b.bytes)) for b in found)

    return _decode


@pytest.fixture(scope="session")
def zxing():
    """The zxingcpp module itself, for tests that look at more than text and symbology."""
    return _module("zxingcpp", "barcode decoder missing: pip install zxing-cpp")


@pytest.fixture(scope="session")
def zpl_parse():
    """zplkit's ZPL framer (zplkit.parse.parse), for tests that look at commands rather than pixels."""
    return _module("zplkit.parse", "ZPL renderer missing: pip install zplkit").parse


@pytest.fixture(scope="session")
def zpl_image():
    """zpl_image(zpl, profile="zd621") -> the one label it prints, as a PIL image at 203 dpi."""
    zplkit = _module("zplkit", "ZPL renderer missing: pip install zplkit")
    from PIL import Image

    def _render(zpl: str, profile: str = "zd621"):
        document = zplkit.render(zpl.encode("utf-8"), zplkit.Options(profile=profile, dpi=203))
        assert len(document.labels) == 1, "one ^XA..^XZ format should print exactly one label"
        raster = document.labels[0].rasterize()
        return Image.frombytes("L", (raster.width, raster.height), raster.pixels)

    return _render


@pytest.fixture(scope="session")
def pdf_images(tmp_path_factory):
    """pdf_images(pdf_bytes) -> one PIL image per page, rendered by pdftoppm at 300 dpi."""
    if shutil.which("pdftoppm") is None:
        _missing("PDF rasteriser missing: apt-get install poppler-utils (pdftoppm)")
    from PIL import Image

    counter = iter(range(1_000_000))

    def _render(pdf: bytes) -> list:
        work = tmp_path_factory.mktemp(f"pdf{next(counter)}")
        source = work / "label.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "300", "-png", str(source), str(work / "page")], check=True)
        pages = sorted(work.glob("page*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
        images = []
        for path in pages:
            with Image.open(path) as img:
                images.append(img.convert("L"))
        return images

    return _render


@pytest.fixture
def save_png():
    """save_png(image, name): keep a rendered label under $WMS_LABEL_PNG_DIR for a person to look at."""
    import os

    target = os.environ.get("WMS_LABEL_PNG_DIR")

    def _save(image, name: str) -> None:
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            image.save(Path(target) / f"{name}.png")

    return _save
