"""Ed25519 release signatures (RFC 8032) through ``cryptography``.

What is signed is not the archive itself but a short statement bound to it:
``kite-release-v1`` and the archive's SHA-256, so a 200 MB archive is hashed as a
stream instead of held in memory, and a signature made for anything else cannot
pass for a release signature. The signature file holds the 64-byte signature in
base64; the public key is pinned as the base64 of its 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.update import UpdateError

DOMAIN = b"kite-release-v1\0"


def generate_key(private_path: Path) -> str:
    """Write a new private key (PEM, mode 0600, never over a file); return the public half."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise UpdateError(
            f"{private_path} already exists: a signing key is never overwritten. "
            "Choose another file name."
        ) from exc
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return public_key_text(key.public_key())


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise UpdateError(f"Cannot read the signing key {path}: {exc.strerror}.") from exc
    except (ValueError, TypeError) as exc:
        raise UpdateError(
            f"{path} is not an unencrypted PEM private key ({exc}); 'kite-update keygen' makes one."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UpdateError(f"{path} holds a {type(key).__name__}, not an Ed25519 key.")
    return key


def load_public_key(text: str, where: str) -> Ed25519PublicKey:
    """The pinned public key from its base64 text; ``where`` names the file for errors."""
    if not text.strip():
        raise UpdateError(
            f"No release signing key is pinned in {where} (public_key is empty): every "
            "release is refused. Put the key 'kite-update keygen' printed there."
        )
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise UpdateError(
            f"public_key in {where} is not a base64 Ed25519 public key "
            f"(44 characters, as 'kite-update keygen' prints it): {exc}."
        ) from exc


def statement(archive: Path) -> bytes:
    digest = hashlib.sha256()
    with archive.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return DOMAIN + digest.digest()


def sign(archive: Path, key: Ed25519PrivateKey) -> Path:
    """Write ``<archive>.sig`` next to the archive; return its path."""
    signature_path = archive.with_name(archive.name + ".sig")
    signature = base64.b64encode(key.sign(statement(archive))).decode("ascii")
    signature_path.write_text(signature + "\n", encoding="ascii")
    return signature_path


def verify(archive: Path, signature_path: Path, key: Ed25519PublicKey) -> None:
    """Return if the signature is good; UpdateError naming the problem otherwise."""
    for path, what in ((archive, "release archive"), (signature_path, "signature file")):
        if not path.is_file():
            raise UpdateError(f"No {what} at {path}. Nothing was changed.")
    try:
        signature = base64.b64decode(
            signature_path.read_text(encoding="ascii").strip(), validate=True
        )
    except (UnicodeDecodeError, binascii.Error) as exc:
        raise UpdateError(
            f"{signature_path} is not a Kite release signature (base64 text): {exc}. "
            "Nothing was changed."
        ) from exc
    try:
        key.verify(signature, statement(archive))
    except InvalidSignature as exc:
        raise UpdateError(
            f"The signature {signature_path} does not match {archive} under the pinned "
            "release key: the release was refused and nothing was changed. It was altered, "
            "damaged in transit, or signed with another key."
        ) from exc
