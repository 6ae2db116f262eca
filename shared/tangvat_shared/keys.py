"""Ed25519 keys: service signing keys (checkpoints, labels) and the token issuer's key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def ensure_key_pair(directory: Path, name: str) -> Path:
    """Create `<name>.pem` and `<name>.pub.pem` in directory unless present; return the private path."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"{name}.pem"
    public_path = directory / f"{name}.pub.pem"
    if not private_path.exists():
        key = generate_private_key()
        private_path.write_bytes(private_pem(key))
        private_path.chmod(0o600)
        public_path.write_bytes(public_pem(key.public_key()))
    elif not public_path.exists():
        public_path.write_bytes(public_pem(load_private_key(private_path.read_bytes()).public_key()))
    return private_path
