"""The vendored browser scripts are the npm packages package.json pins, byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "guichet" / "web" / "static" / "vendor"
# Each vendored file: the npm package it comes from and its path inside that package.
VENDORED = {
    "socket.io.min.js": ("socket.io-client", "dist/socket.io.min.js"),
    "qrcode-generator.js": ("qrcode-generator", "dist/qrcode.js"),
}
EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded() -> dict[str, str]:
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def pinned(package: str) -> str:
    return json.loads((ROOT / "package.json").read_text())["dependencies"][package]


def test_every_vendored_file_matches_its_recorded_hash() -> None:
    sums = recorded()
    files = {p.name for p in VENDOR.glob("*.js")}
    assert files == set(sums), f"vendored files without a hash, or hashes without a file: {files ^ set(sums)}"
    untraced = files ^ set(VENDORED)
    assert not untraced, f"vendored files this test does not trace to an npm package: {untraced}"
    for name, digest in sums.items():
        assert sha256(VENDOR / name) == digest, f"{name} differs from the copy recorded in SHA256SUMS"


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_a_vendored_file_is_the_exact_version_package_json_pins_with_its_licence(name: str) -> None:
    package, inside = VENDORED[name]
    version = pinned(package)
    # A range (^, ~) would let `npm install` bring a newer copy than the one vendored.
    assert EXACT_VERSION.fullmatch(version), f"{package} must be pinned to one version, not {version!r}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{package}"]["version"] == version
    licence = (VENDOR / f"{name}.LICENSE").read_text()
    assert f"npm package {package} {version}" in licence, f"{name}.LICENSE names another version"
    assert sha256(VENDOR / name) in licence, f"{name}.LICENSE records another file's hash"
    assert "Permission is hereby granted" in licence, f"{name}.LICENSE lacks the licence text"
    installed = ROOT / "node_modules" / package / inside
    if not installed.exists():
        warnings.warn(
            f"node_modules absent (run `npm ci`): {name} not compared with the package", stacklevel=1
        )
        return
    assert json.loads((ROOT / "node_modules" / package / "package.json").read_text())["version"] == version
    assert sha256(installed) == sha256(VENDOR / name), f"vendored {name} differs from npm's {inside}"


def test_the_socket_io_client_header_names_the_pinned_version() -> None:
    header = (VENDOR / "socket.io.min.js").read_text()[:200]
    assert f"Socket.IO v{pinned('socket.io-client')}\n" in header, header
