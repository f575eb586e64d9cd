"""Fetch the released GOV.UK Frontend that the workspace serves under /assets (make install runs this).

The package is fetched by its pinned version with the ordinary npm client (`npm pack`), its sha512
is checked against the integrity the registry published for that release before anything is
unpacked, and only the compiled styles, scripts, fonts and images are kept, in a git-ignored folder
inside the workspace package. Nothing is loaded from a CDN at run time: partnership networks are
often closed.

    .venv/bin/python scripts/fetch_govuk_frontend.py          # fetch unless already there
    .venv/bin/python scripts/fetch_govuk_frontend.py --force  # fetch again
    python scripts/fetch_govuk_frontend.py --tarball govuk-frontend-6.3.0.tgz  # one `npm pack` made (the image)
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# govuk-frontend-jinja 4.1.0 (requirements.txt) is the port of GOV.UK Frontend 6.3.0's macros.
VERSION = "6.3.0"
# `npm view govuk-frontend@6.3.0 dist.integrity`
INTEGRITY = "sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "services" / "workspace" / "workspace" / "entrypoints" / "static" / "govuk-frontend"
KEEP = {"package/dist/govuk/govuk-frontend.min.css": "govuk-frontend.min.css",
        "package/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js"}
KEEP_UNDER = ("package/dist/govuk/assets/", "")  # fonts/, images/, manifest.json → served at /assets/


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def wanted(name: str) -> str | None:
    """Where a member of the package goes under TARGET, or None to leave it out."""
    if name in KEEP:
        return KEEP[name]
    prefix, into = KEEP_UNDER
    if name.startswith(prefix) and len(name) > len(prefix):
        relative = Path(into) / name[len(prefix):]
        if ".." in relative.parts or relative.is_absolute():
            return None
        return str(relative)
    return None


def fetch(force: bool = False, tarball: Path | None = None) -> int:
    stamp = TARGET / "VERSION"
    if not force and tarball is None and stamp.exists() and stamp.read_text().strip() == VERSION:
        return 0
    npm = shutil.which("npm") if tarball is None else "npm"
    if not npm:
        print("make install needs npm to fetch GOV.UK Frontend for the workspace's pages.\n"
              "Install Node.js with npm (on Debian or Ubuntu: sudo apt-get install npm) and run make install again.",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        if tarball is None:
            subprocess.run([npm, "pack", f"govuk-frontend@{VERSION}", "--pack-destination", tmp, "--silent"],
                           check=True, cwd=tmp, stdout=subprocess.DEVNULL)
            (tarball,) = Path(tmp).glob("govuk-frontend-*.tgz")
        got = integrity_of(tarball)
        if got != INTEGRITY:
            print(f"govuk-frontend {VERSION}: the package's sha512 is not the published one; nothing was unpacked.\n"
                  f"  expected {INTEGRITY}\n  got      {got}", file=sys.stderr)
            return 1
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar.getmembers():
                into = wanted(member.name)
                if into is None or not member.isfile():
                    continue
                out = staging / into
                out.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                out.write_bytes(source.read())
        (staging / "VERSION").write_text(VERSION + "\n")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), TARGET)
    print(f"GOV.UK Frontend {VERSION} (integrity checked) in {TARGET}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="fetch again even if this version is there")
    ap.add_argument("--tarball", type=Path, help="unpack this `npm pack` of the pinned version (checked all the same)")
    args = ap.parse_args()
    return fetch(force=args.force, tarball=args.tarball)


if __name__ == "__main__":
    sys.exit(main())
