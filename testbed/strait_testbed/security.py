"""Secured listeners for test-bed clusters: a certificate authority of the bed's own, broker
certificates signed by it, SCRAM and PLAIN users, and Kafka's StandardAuthorizer.

A secured cluster keeps its plaintext LOCAL listener (inter-broker traffic and the test
tools' own clients, whose Debian librdkafka 2.0.2 cannot log in with SCRAM to Kafka 4) and
adds a SECURE listener (SASL_SSL) per broker. The principal of the plaintext listeners,
User:ANONYMOUS, and the bed's `admin` user are super users; every other user gets only the
ACLs a test grants it.

Certificates are PEM files made with the openssl command-line tool, valid for 127.0.0.1 and
localhost.
"""

import dataclasses
import pathlib
import subprocess
from typing import Dict, List, Optional

from . import paths

SUPER_USER = "admin"
SUPER_PASSWORD = "testbed-admin-secret"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclasses.dataclass
class SecuritySpec:
    """What a secured cluster offers. `users` maps a user name to its password; each user
    can log in with PLAIN and with both SCRAM mechanisms."""
    users: Dict[str, str] = dataclasses.field(default_factory=dict)
    mechanisms: List[str] = dataclasses.field(
        default_factory=lambda: ["PLAIN", *SCRAM_MECHANISMS])

    def all_users(self) -> Dict[str, str]:
        return {SUPER_USER: SUPER_PASSWORD, **self.users}


def _openssl(*args: str, cwd: pathlib.Path):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{result.stderr}")


class CertificateAuthority:
    """The bed's CA: one per bed root, made on first use, reused by every secured cluster."""

    def __init__(self, directory: pathlib.Path):
        self.dir = pathlib.Path(directory)
        self.cert = self.dir / "ca.pem"
        self.key = self.dir / "ca.key"
        if not self.cert.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                     "-subj", "/CN=strait-testbed-ca", "-keyout", self.key.name,
                     "-out", self.cert.name, cwd=self.dir)

    def issue(self, name: str, sans: Optional[List[str]] = None, days: int = 30) -> pathlib.Path:
        """A key and certificate for `name`, in one PEM file (key first, as Kafka's PEM
        keystore and librdkafka's ssl.certificate/ssl.key both accept). Returns its path;
        the key alone is `<name>.key`, the certificate alone `<name>.crt`."""
        key, csr, crt, ext = (f"{name}.key", f"{name}.csr", f"{name}.crt", f"{name}.ext")
        sans = sans or ["IP:127.0.0.1", "DNS:localhost"]
        (self.dir / ext).write_text(f"subjectAltName={','.join(sans)}\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", key, "-out", csr, cwd=self.dir)
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert.name, "-CAkey", self.key.name,
                 "-CAcreateserial", "-days", str(days), "-extfile", ext, "-out", crt,
                 cwd=self.dir)
        pem = self.dir / f"{name}.pem"
        pem.write_text((self.dir / key).read_text() + (self.dir / crt).read_text())
        return pem


def broker_properties(spec: SecuritySpec, keystore: pathlib.Path,
                      ca: CertificateAuthority) -> Dict[str, str]:
    """What a broker with a SECURE listener adds to its server.properties (the listener
    itself is declared by the cluster)."""
    plain_users = " ".join(f'user_{u}="{p}"' for u, p in spec.all_users().items())
    props = {
        "sasl.enabled.mechanisms": ",".join(spec.mechanisms),
        "listener.name.secure.ssl.keystore.type": "PEM",
        "listener.name.secure.ssl.keystore.location": str(keystore),
        "listener.name.secure.ssl.truststore.type": "PEM",
        "listener.name.secure.ssl.truststore.location": str(ca.cert),
        "listener.name.secure.plain.sasl.jaas.config":
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{SUPER_USER}" password="{SUPER_PASSWORD}" {plain_users};',
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:ANONYMOUS;User:{SUPER_USER}",
    }
    for mechanism in SCRAM_MECHANISMS:
        props[f"listener.name.secure.{mechanism.lower()}.sasl.jaas.config"] = \
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    return props


def format_arguments(spec: SecuritySpec) -> List[str]:
    """StorageTool arguments that create every user's SCRAM credentials with the cluster."""
    out = []
    for user, password in spec.all_users().items():
        for mechanism in SCRAM_MECHANISMS:
            out += ["--add-scram", f"{mechanism}=[name={user},password={password}]"]
    return out


def client_properties(ca: CertificateAuthority, user: str, password: str,
                      mechanism: str = "SCRAM-SHA-512") -> Dict[str, str]:
    """librdkafka properties for a client of a SECURE listener."""
    return {"security.protocol": "SASL_SSL", "sasl.mechanism": mechanism,
            "sasl.username": user, "sasl.password": password,
            "ssl.ca.location": str(ca.cert)}


def acls(bootstrap: str, *args: str, timeout: float = 120) -> str:
    """Runs Kafka's own ACL tool against a plaintext listener (as the super user
    ANONYMOUS): e.g. acls(b, "--add", "--allow-principal", "User:mirror", "--operation",
    "Read", "--topic", "orders"). Debian's Python client is too old for the ACL API."""
    cmd = [paths.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", paths.classpath(),
           "-Dlog4j2.rootLogger.level=warn", "org.apache.kafka.tools.AclCommand",
           "--bootstrap-server", bootstrap, *args]
    if "--add" in args or "--remove" in args:
        cmd.append("--force")
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"kafka acls {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout
