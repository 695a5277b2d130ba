"""The vendored browser client is the npm package package.json names, byte for byte."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "guichet" / "web" / "static" / "vendor"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded() -> dict[str, str]:
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def test_every_vendored_file_matches_its_recorded_hash() -> None:
    sums = recorded()
    files = {p.name for p in VENDOR.glob("*.js")}
    assert files == set(sums), f"vendored files without a hash, or hashes without a file: {files ^ set(sums)}"
    for name, digest in sums.items():
        assert sha256(VENDOR / name) == digest, f"{name} differs from the copy recorded in SHA256SUMS"


def test_the_socket_io_client_is_the_version_package_json_pins() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    version = package["dependencies"]["socket.io-client"]
    header = (VENDOR / "socket.io.min.js").read_text()[:200]
    assert f"Socket.IO v{version}\n" in header, header
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/socket.io-client"]["version"] == version
    installed = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
    if not installed.exists():
        warnings.warn(
            "node_modules absent (run `npm ci`): vendored client not compared with the package", stacklevel=1
        )
        return
    assert sha256(installed) == sha256(VENDOR / "socket.io.min.js"), "vendored client differs from npm's"
