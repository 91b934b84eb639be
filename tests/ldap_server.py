"""A real OpenLDAP server (Debian's `slapd`) on a free loopback port, for the LDAP login tests.

Its own slapd.conf-style configuration and mdb database in a temporary folder,
loaded with `slapadd` before it starts, stopped after the test session. It
runs in the foreground as a child (`-d 0`), as whoever runs the tests (root
in CI: no `-u`/`-g`). Anonymous users may only bind; the service account
`SERVICE_DN` may read the people and the groups, as a campus directory
usually allows.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from arsnova.settings import LdapSettings
from tests.conftest import free_port, port_open, stop_child

SLAPD = shutil.which("slapd") or shutil.which("slapd", path="/usr/sbin")
SLAPADD = shutil.which("slapadd") or shutil.which("slapadd", path="/usr/sbin")
OPENSSL = shutil.which("openssl")
START_TIMEOUT = 10
SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
LECTURERS_GROUP = f"cn=lecturers,ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=arsnova,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"


@dataclass(frozen=True)
class Person:
    cn: str
    uid: str
    password: str
    lecturer: bool = False
    employee_type: str = "student"

    @property
    def dn(self) -> str:
        return f"cn={self.cn},{PEOPLE}"


PROF = Person("Ada Lovelace", "prof", "prof-secret", lecturer=True, employee_type="staff")
STUDENT = Person("Kim Student", "kim", "kim-secret")
# Every character that means something in a search filter, an apostrophe and non-ASCII.
SPECIAL = Person("Zoë Müller", "o'hara(*)\\zoë", "zoë-secret ✓", lecturer=True)
GUEST_LOOKALIKE = Person("Guest Lookalike", "Guest12345", "guest-secret")
SERVICE_LOOKALIKE = Person("Service Lookalike", "integration:bot", "bot-secret")
# Two entries with one uid: a filter that finds both must log neither in.
TWINS = (Person("Twin One", "twin", "twin-secret"), Person("Twin Two", "twin", "twin-secret"))
PEOPLE_ENTRIES = (PROF, STUDENT, SPECIAL, GUEST_LOOKALIKE, SERVICE_LOOKALIKE, *TWINS)

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
TLSCACertificateFile {folder}/ca.pem
TLSCertificateFile {folder}/server.pem
TLSCertificateKeyFile {folder}/server.key

database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
directory {folder}/data

access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by dn.exact="{service}" read
    by self read
    by * none
"""


def ssha(password: str) -> str:
    """`{SSHA}`, as `slappasswd` stores passwords."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def attribute(name: str, value: str) -> str:
    """One LDIF line; base64 (`::`) where the value is not plain ASCII text."""
    if value.isascii() and value.isprintable() and not value.startswith((" ", ":", "<")):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


def entry(dn: str, **attributes: str | list[str]) -> str:
    lines = [attribute("dn", dn)]
    for name, values in attributes.items():
        for value in [values] if isinstance(values, str) else values:
            lines.append(attribute(name, value))
    return "\n".join(lines) + "\n"


def directory_ldif() -> str:
    entries = [
        entry(SUFFIX, objectClass=["top", "dcObject", "organization"], dc="example", o="Example"),
        entry(PEOPLE, objectClass="organizationalUnit", ou="people"),
        entry(f"ou=groups,{SUFFIX}", objectClass="organizationalUnit", ou="groups"),
        entry(f"ou=services,{SUFFIX}", objectClass="organizationalUnit", ou="services"),
        entry(
            SERVICE_DN,
            objectClass=["organizationalRole", "simpleSecurityObject"],
            cn="arsnova",
            userPassword=ssha(SERVICE_PASSWORD),
        ),
    ]
    for index, person in enumerate(PEOPLE_ENTRIES):
        entries.append(
            entry(
                person.dn,
                objectClass="inetOrgPerson",
                cn=person.cn,
                sn=person.cn.split()[-1],
                uid=person.uid,
                mail=f"person{index}@example.org",
                employeeType=person.employee_type,
                userPassword=ssha(person.password),
            )
        )
    members = [person.dn for person in PEOPLE_ENTRIES if person.lecturer]
    entries.append(
        entry(LECTURERS_GROUP, objectClass="groupOfNames", cn="lecturers", member=members)
    )
    return "\n".join(entries)


def make_certificates(folder: Path) -> None:
    """A test CA (`ca.pem`) and the server's certificate for 127.0.0.1 and localhost."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for command in (
        ["req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=ARSnova test CA"],
        ["req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
    ):  # fmt: skip
        made = subprocess.run([OPENSSL, *command], cwd=folder, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr


class Slapd:
    """A running slapd: `url` (ldap://127.0.0.1:port, StartTLS offered), `ldaps_url`
    (TLS from the start), both with a certificate of the test CA `ca_file`."""

    def __init__(self, folder: Path) -> None:
        if SLAPD is None or SLAPADD is None or OPENSSL is None:
            pytest.fail("the LDAP tests need Debian's slapd: apt-get install slapd ldap-utils")
        self.folder = folder
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://127.0.0.1:{free_port()}"
        self.ca_file = folder / "ca.pem"
        self.log = folder / "slapd.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        (self.folder / "data").mkdir()
        make_certificates(self.folder)
        config = self.folder / "slapd.conf"
        config.write_text(CONFIG.format(folder=self.folder, suffix=SUFFIX, service=SERVICE_DN))
        ldif = self.folder / "directory.ldif"
        ldif.write_text(directory_ldif())
        loaded = subprocess.run(
            [SLAPADD, "-f", str(config), "-l", str(ldif)], capture_output=True, text=True
        )
        assert loaded.returncode == 0, loaded.stderr
        self.run()

    def run(self) -> None:
        """Starts slapd on the loaded database (again, after `stop()`), on the same port."""
        config = self.folder / "slapd.conf"
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [SLAPD, "-f", str(config), "-h", f"{self.url}/ {self.ldaps_url}/", "-d", "0"],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"slapd did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        stop_child(self.process)


def directory(url: str, **overrides: object) -> LdapSettings:
    """The settings an operator of this directory would write (ARSNOVA_LDAP_*)."""
    values: dict = {
        "url": url,
        "search_base": PEOPLE,
        "bind_dn": SERVICE_DN,
        "bind_password": SERVICE_PASSWORD,
        "lecturer_group": LECTURERS_GROUP,
        "timeout": 2,
        "label": "Example University",
    }
    values.update(overrides)
    return LdapSettings(**values)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """A real OpenLDAP server with the people above, for the whole test session."""
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
