"""Helpers for the tests against secured clusters (test_security.py, test_acls.py): strait's
client properties for each listener of a test-bed cluster, and ACL grants through Kafka's
own tool.

The tests' own clients use the brokers' plaintext LOCAL listeners as the super user
ANONYMOUS (Debian's librdkafka cannot log in with SCRAM to Kafka 4); only strait logs in
through the secured listeners."""

import subprocess
import time
from typing import List

from .security import (acls, client_properties, mtls_client_properties,
                                     tls_client_properties)

MIRROR_USER = "mirror"
MIRROR_PASSWORD = "mirror-pw-7f3a9c"
# Users whose access the ACL tests check through the authorizer (PLAIN, so that the tests'
# own client can log in as them).
ALICE = ("alice", "alice-pw-31c8")
EVE = ("eve", "eve-pw-84b2")


def grant_everything(bootstrap: str, user: str):
    """Broad ACLs for `user`: enough to show the authorizer lets an authenticated principal
    through."""
    acls(bootstrap, "--add", "--allow-principal", f"User:{user}", "--operation", "All",
         "--topic", "*", "--group", "*", "--cluster")


def sasl(cluster, mechanism: str = "SCRAM-SHA-512", user: str = MIRROR_USER,
         password: str = MIRROR_PASSWORD, listener: str = "SECURE") -> dict:
    """strait's properties for a SASL_SSL listener of `cluster`."""
    return {"bootstrap.servers": cluster.bootstrap(listener=listener),
            **client_properties(cluster.ca, user, password, mechanism)}


def mtls(cluster, user: str = MIRROR_USER) -> dict:
    """strait's properties for the MTLS listener, with a client certificate for `user`."""
    return {"bootstrap.servers": cluster.bootstrap(listener="MTLS"),
            **mtls_client_properties(cluster.ca, user)}


def tls(cluster) -> dict:
    """strait's properties for the TLS listener (server verification only)."""
    return {"bootstrap.servers": cluster.bootstrap(listener="TLS"),
            **tls_client_properties(cluster.ca)}


def run(binary, *args, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def acl_lines(bootstrap: str, *resource: str) -> List[str]:
    """The ACL entries kafka-acls lists for a resource, one line each, e.g.
    "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"."""
    out = acls(bootstrap, "--list", *resource)
    return [line.strip() for line in out.splitlines() if line.strip().startswith("(principal=")]


def wait_acls(bootstrap: str, resource: List[str], predicate, timeout: float = 120) -> List[str]:
    """Polls the ACLs of a resource until `predicate(lines)` holds; returns the lines."""
    deadline = time.monotonic() + timeout
    lines: List[str] = []
    while time.monotonic() < deadline:
        lines = acl_lines(bootstrap, *resource)
        if predicate(lines):
            return lines
        time.sleep(1)
    raise AssertionError(f"ACLs of {resource} never became what was expected: {lines}")


def entry(principal: str, operation: str, permission: str = "ALLOW") -> str:
    return f"(principal={principal}, host=*, operation={operation}, permissionType={permission})"
