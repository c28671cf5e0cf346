"""Secured listeners for test-bed clusters: a certificate authority of the bed's own, broker
and client certificates signed by it, SCRAM and PLAIN users, and Kafka's StandardAuthorizer.

A secured cluster keeps its plaintext LOCAL listener (inter-broker traffic and the test
tools' own clients, whose Debian librdkafka 2.0.2 cannot log in with SCRAM to Kafka 4) and
adds secured listeners per broker (SecuritySpec.listeners), by default:
  SECURE  SASL_SSL: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over TLS
  MTLS    SSL with client certificates required (mutual TLS); the principal is the
          certificate's CN (User:CN=mirror becomes User:mirror by the mapping rule below)
  TLS     SSL with server verification only; the client is User:ANONYMOUS
The principal of the plaintext listeners (and of TLS), User:ANONYMOUS, and the bed's `admin`
user are super users; every other user gets only the ACLs a test grants it.

Certificates are PEM files made with the openssl command-line tool, valid for 127.0.0.1 and
localhost. A listener can also start with a broken certificate (`Certificate`), for tests of
what a client says about it, and be given a good one while it runs
(Cluster.replace_certificate).
"""

import dataclasses
import enum
import pathlib
import re
import subprocess
from typing import Dict, List, Optional, Union

from . import paths
from .kafka import kafka_tool

SUPER_USER = "admin"
SUPER_PASSWORD = "testbed-admin-secret"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
# Kafka names an SSL client by its certificate's whole subject ("CN=mirror"); this rule
# makes it the CN alone, so that one user's ACLs apply whether it logs in with SCRAM or
# with a certificate.
PRINCIPAL_MAPPING = "RULE:^CN=([^,]+)$/$1/,DEFAULT"


class Certificate(str, enum.Enum):
    """What a listener's broker certificate is like."""
    GOOD = "good"            # signed by the bed's CA, for 127.0.0.1 and localhost
    UNTRUSTED = "untrusted"  # signed by another CA, which no client trusts
    WRONG_HOST = "wrong-host"  # signed by the bed's CA, for another host name only
    EXPIRED = "expired"      # signed by the bed's CA, expired


@dataclasses.dataclass
class Listener:
    """One secured listener. `protocol` is SASL_SSL or SSL; `client_auth` is Kafka's
    ssl.client.auth (required: mutual TLS)."""
    name: str
    protocol: str
    client_auth: str = "none"
    certificate: Certificate = Certificate.GOOD


def default_listeners() -> List[Listener]:
    return [Listener("SECURE", "SASL_SSL"), Listener("MTLS", "SSL", "required"),
            Listener("TLS", "SSL")]


@dataclasses.dataclass
class SecuritySpec:
    """What a secured cluster offers. `users` maps a user name to its password; each user
    can log in with PLAIN and with both SCRAM mechanisms. At most five listeners: their
    ports are base + 50 + 10·k + n (cluster.py)."""
    users: Dict[str, str] = dataclasses.field(default_factory=dict)
    mechanisms: List[str] = dataclasses.field(
        default_factory=lambda: ["PLAIN", *SCRAM_MECHANISMS])
    listeners: List[Listener] = dataclasses.field(default_factory=default_listeners)
    # False: TLS listeners only, no ACLs (the benchmark's TLS scenario measures encryption,
    # not authorization).
    authorizer: bool = True

    def all_users(self) -> Dict[str, str]:
        return {SUPER_USER: SUPER_PASSWORD, **self.users}

    def listener(self, name: str) -> Listener:
        for listener in self.listeners:
            if listener.name == name:
                return listener
        raise KeyError(f"no listener {name}")

    def slot(self, name: str) -> int:
        return [x.name for x in self.listeners].index(name)

    @classmethod
    def from_state(cls, state: dict) -> "SecuritySpec":
        state = dict(state)
        state["listeners"] = [Listener(**{**x, "certificate": Certificate(x["certificate"])})
                              for x in state.get("listeners", [])]
        return cls(**state)


def _openssl(*args: str, cwd: pathlib.Path):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{result.stderr}")


class CertificateAuthority:
    """A CA in `directory`, made on first use: the bed's own (one per bed root, reused by
    every secured cluster) or, for the failure tests, a stranger no client trusts."""

    def __init__(self, directory: pathlib.Path, name: str = "strait-testbed-ca"):
        self.dir = pathlib.Path(directory)
        self.cert = self.dir / "ca.pem"
        self.key = self.dir / "ca.key"
        if not self.cert.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                     "-subj", f"/CN={name}", "-keyout", self.key.name,
                     "-out", self.cert.name, cwd=self.dir)

    def issue(self, name: str, sans: Optional[List[str]] = None, days: int = 30,
              subject: Optional[str] = None) -> pathlib.Path:
        """A key and certificate for `name`, in one PEM file (key first, as Kafka's PEM
        keystore and librdkafka's ssl.certificate/ssl.key both accept). Returns its path;
        the key alone is `<name>.key`, the certificate alone `<name>.crt`. A negative `days`
        makes a certificate that has already expired."""
        key, csr, crt, ext = (f"{name}.key", f"{name}.csr", f"{name}.crt", f"{name}.ext")
        sans = sans or ["IP:127.0.0.1", "DNS:localhost"]
        (self.dir / ext).write_text(f"subjectAltName={','.join(sans)}\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject or f"/CN={name}",
                 "-keyout", key, "-out", csr, cwd=self.dir)
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert.name, "-CAkey", self.key.name,
                 "-CAcreateserial", "-days", str(days), "-extfile", ext, "-out", crt,
                 cwd=self.dir)
        pem = self.dir / f"{name}.pem"
        pem.write_text((self.dir / key).read_text() + (self.dir / crt).read_text())
        return pem

    def issue_client(self, user: str, days: int = 30) -> pathlib.Path:
        """A client certificate whose subject is CN=<user> (Kafka principal User:<user>
        after the bed's mapping rule)."""
        return self.issue(f"client-{user}", sans=[f"DNS:{user}.clients.testbed"], days=days,
                          subject=f"/CN={user}")


def broker_certificate(ca: CertificateAuthority, stranger: CertificateAuthority, name: str,
                       kind: Certificate) -> pathlib.Path:
    """The keystore (key + certificate PEM) of one listener of one broker."""
    if kind == Certificate.UNTRUSTED:
        return stranger.issue(name)
    if kind == Certificate.WRONG_HOST:
        return ca.issue(name, sans=["DNS:kafka.elsewhere.example"])
    if kind == Certificate.EXPIRED:
        return ca.issue(name, days=-1)
    return ca.issue(name)


def broker_properties(spec: SecuritySpec, keystores: Dict[str, pathlib.Path],
                      ca: CertificateAuthority) -> Dict[str, str]:
    """What a broker with secured listeners adds to its server.properties (the listeners
    themselves are declared by the cluster); `keystores` maps a listener name to its PEM."""
    plain_users = " ".join(f'user_{u}="{p}"' for u, p in spec.all_users().items())
    props = {
        "sasl.enabled.mechanisms": ",".join(spec.mechanisms),
        "ssl.principal.mapping.rules": PRINCIPAL_MAPPING,
    }
    if spec.authorizer:
        props.update({
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:ANONYMOUS;User:{SUPER_USER}",
        })
    for listener in spec.listeners:
        prefix = f"listener.name.{listener.name.lower()}"
        props.update({
            f"{prefix}.ssl.keystore.type": "PEM",
            f"{prefix}.ssl.keystore.location": str(keystores[listener.name]),
            f"{prefix}.ssl.truststore.type": "PEM",
            f"{prefix}.ssl.truststore.location": str(ca.cert),
            f"{prefix}.ssl.client.auth": listener.client_auth,
            # A test replaces a broken certificate with one of another name while the
            # broker runs.
            f"{prefix}.ssl.allow.dn.changes": "true",
            f"{prefix}.ssl.allow.san.changes": "true",
        })
        if listener.protocol == "SASL_SSL":
            props[f"{prefix}.plain.sasl.jaas.config"] = (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{SUPER_USER}" password="{SUPER_PASSWORD}" {plain_users};')
            for mechanism in SCRAM_MECHANISMS:
                props[f"{prefix}.{mechanism.lower()}.sasl.jaas.config"] = \
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
    """librdkafka properties for a client of a SASL_SSL listener."""
    return {"security.protocol": "SASL_SSL", "sasl.mechanism": mechanism,
            "sasl.username": user, "sasl.password": password,
            "ssl.ca.location": str(ca.cert)}


def mtls_client_properties(ca: CertificateAuthority, user: str) -> Dict[str, str]:
    """librdkafka properties for a client of the MTLS listener, with a certificate for
    `user` (made on first use)."""
    pem = ca.dir / f"client-{user}.pem"
    if not pem.exists():
        ca.issue_client(user)
    return {"security.protocol": "SSL", "ssl.ca.location": str(ca.cert),
            "ssl.certificate.location": str(ca.dir / f"client-{user}.crt"),
            "ssl.key.location": str(ca.dir / f"client-{user}.key")}


def tls_client_properties(ca: CertificateAuthority) -> Dict[str, str]:
    """librdkafka properties for a client of the TLS listener (server verification only)."""
    return {"security.protocol": "SSL", "ssl.ca.location": str(ca.cert)}


def acls(bootstrap: str, *args: str, timeout: float = 120) -> str:
    """Runs Kafka's own ACL tool against a plaintext listener (as the super user
    ANONYMOUS): e.g. acls(b, "--add", "--allow-principal", "User:mirror", "--operation",
    "Read", "--topic", "orders"). Debian's Python client is too old for the ACL API."""
    extra = ["--force"] if "--add" in args or "--remove" in args else []
    return kafka_tool("org.apache.kafka.tools.AclCommand", bootstrap, [*args, *extra], timeout)


def configs(bootstrap: str, *args: str, timeout: float = 120) -> str:
    """Runs Kafka's kafka-configs tool against a plaintext listener, e.g. to set a user's
    SCRAM password or a broker's dynamic listener settings."""
    return kafka_tool("kafka.admin.ConfigCommand", bootstrap, list(args), timeout)


def set_scram_password(bootstrap: str, user: str, password: str,
                       mechanisms=SCRAM_MECHANISMS):
    """Creates or changes a user's SCRAM credentials (one request per mechanism: Kafka
    refuses two alterations of one user in a request)."""
    for mechanism in mechanisms:
        configs(bootstrap, "--alter", "--entity-type", "users", "--entity-name", user,
                "--add-config", f"{mechanism}=[password={password}]")


# ---- the least-privilege ACLs of docs/security.md ------------------------------------

SECURITY_DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "security.md"
_TABLE_HEADER = "| cluster | feature | resource | operations | why |"


def documented_acls(doc: pathlib.Path = SECURITY_DOC) -> List[tuple]:
    """The least-privilege table of docs/security.md, one (cluster, feature, resource,
    [operations]) per row: what strait needs, read from the page operators read."""
    lines = doc.read_text().splitlines()
    start = lines.index(_TABLE_HEADER)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2], [o.strip() for o in cells[3].split(",")]))
    return rows


def _resource_arguments(resource: str, names: Dict[str, Union[str, List[str]]]) -> List[str]:
    """kafka-acls arguments for a resource cell ("topic `heartbeats`", "topic prefix
    `<source>.`", "group `<groups>`", "cluster"). A placeholder's value is a prefix (a string)
    or literal names (a list)."""
    if resource == "cluster":
        return ["--cluster"]
    m = re.fullmatch(r"(topic|group)( prefix)? `([^`]+)`", resource)
    if not m:
        raise ValueError(f"docs/security.md: cannot read the resource {resource!r}")
    kind, prefixed, name = m.group(1), bool(m.group(2)), m.group(3)
    value = names.get(name)
    if isinstance(value, list):
        return [a for n in value for a in (f"--{kind}", n)]
    if value is not None:  # "<topics>" or "<groups>" given as a prefix
        name, prefixed = value, True
    for placeholder, v in names.items():
        if isinstance(v, str):
            name = name.replace(placeholder, v)
    if "<" in name:
        raise ValueError(f"docs/security.md: no value for the placeholder in {resource!r}")
    return [f"--{kind}", name] + (["--resource-pattern-type", "prefixed"] if prefixed else [])


def grant_documented_acls(clusters: Dict[str, str], principal: str,
                          names: Dict[str, Union[str, List[str]]]) -> int:
    """Grants `principal` exactly the rows of the least-privilege table. `clusters` maps the
    table's cluster column (source, target, audited) to a plaintext bootstrap; `names` gives
    <source>, <target>, <topics> and <groups>. Returns the number of rows granted."""
    rows = documented_acls()
    for cluster, _, resource, operations in rows:
        if cluster not in clusters:
            continue
        args = ["--add", "--allow-principal", principal]
        for op in operations:
            args += ["--operation", op]
        acls(clusters[cluster], *args, *_resource_arguments(resource, names))
    return sum(1 for r in rows if r[0] in clusters)
