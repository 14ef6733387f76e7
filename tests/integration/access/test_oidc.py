"""OpenID Connect bearer tokens against a real (local) issuer: discovery document and JWKS served
over HTTP, tokens signed with RSA and EC keys by PyJWT. Good tokens pass with their claims; bad
ones are refused with a reason; key rotation works; an unreachable issuer is a clear refusal;
and through the API the token's party and roles decide what the caller sees and writes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from stadsdata.access import oidc
from stadsdata.access.oidc import InvalidToken, OidcVerifier
from stadsdata.app import create_app
from stadsdata.settings import Settings
from tests.conftest import free_port
from tests.integration.sta.conftest import assert_problem, created_id, stream_body, thing_body

AUDIENCE = "stadsdata"


class Issuer:
    """A minimal OpenID provider: /.well-known/openid-configuration and /jwks."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keys: dict[str, Any] = {}  # kid -> private key
        self.fetches = 0
        self.add_key("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048))
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                elif self.path == "/jwks":
                    issuer.fetches += 1
                    body = {"keys": [issuer.public_jwk(kid) for kid in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_key(self, kid: str, key: Any) -> None:
        self.keys[kid] = key

    def public_jwk(self, kid: str) -> dict[str, Any]:
        key = self.keys[kid]
        algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
        jwk = json.loads(algorithm.to_jwk(key.public_key()))
        return {**jwk, "kid": kid, "use": "sig"}

    def token(self, kid: str = "rsa-1", *, alg: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300, **claims}
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, self.keys[kid], algorithm=alg, headers={"kid": kid})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    server = Issuer()
    yield server
    server.stop()


def test_a_good_token_gives_its_claims_via_discovery(issuer: Issuer) -> None:
    verifier = OidcVerifier(issuer.url, AUDIENCE)
    claims = verifier.verify(issuer.token(stadsdata_party="gemeente"))
    assert claims["sub"] == "alice" and claims["stadsdata_party"] == "gemeente"
    verifier.verify(issuer.token())
    assert issuer.fetches == 1  # keys are cached


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda i: i.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "expired"),
        (lambda i: i.token(aud="someone-else"), "another audience"),
        (lambda i: i.token(iss="http://evil.example"), "another issuer"),
        (lambda i: i.token(sub=None), "'sub'"),
        (lambda i: i.token(nbf=int(time.time()) + 3600), "not valid yet"),
        (lambda i: i.token()[:-4] + ("AAAA" if not i.token().endswith("AAAA") else "BBBB"), "signature"),
        (lambda i: "not.a.token", "malformed"),
        (lambda i: jwt.encode({"sub": "x", "aud": AUDIENCE, "iss": i.url}, None, algorithm="none"), "not accepted"),
        (lambda i: jwt.encode({"sub": "x"}, "a-secret-that-pretends-to-be-the-public-key", algorithm="HS256", headers={"kid": "rsa-1"}), "not accepted"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(issuer: Issuer, make: Any, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        OidcVerifier(issuer.url, AUDIENCE).verify(make(issuer))


def test_key_rotation_and_unknown_keys(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = OidcVerifier(issuer.url, AUDIENCE, f"{issuer.url}/jwks")
    verifier.verify(issuer.token())
    issuer.add_key("ec-2", ec.generate_private_key(ec.SECP256R1()))
    monkeypatch.setattr(oidc, "REFETCH_SECONDS", 0.0)
    assert verifier.verify(issuer.token("ec-2", alg="ES256"))["sub"] == "alice"  # one refetch found it
    assert issuer.fetches == 2
    monkeypatch.setattr(oidc, "REFETCH_SECONDS", 60.0)
    forged = jwt.encode({"sub": "x"}, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": "nope"})
    with pytest.raises(InvalidToken, match="no key 'nope'"):
        verifier.verify(forged)
    assert issuer.fetches == 2  # made-up key ids do not make it hammer the issuer


def test_an_unreachable_issuer_is_a_refusal_not_a_crash() -> None:
    verifier = OidcVerifier(f"http://127.0.0.1:{free_port()}", AUDIENCE, timeout_seconds=1)
    with pytest.raises(InvalidToken, match="cannot be fetched"):
        verifier.verify(jwt.encode({"sub": "x"}, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256", headers={"kid": "k"}))


def test_through_the_api_the_tokens_party_and_roles_decide(issuer: Issuer, tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    settings = Settings(database=db, access_mode="enforced", oidc_issuer=issuer.url, oidc_audience=AUDIENCE)
    with TestClient(create_app(settings)) as client:
        admin = {"Authorization": f"Bearer {issuer.token(roles=['stadsdata-admin'])}"}
        body = thing_body("Gemeentehuis", 6.1, 52.5, [stream_body("energy", "energy", {"name": "kWh"}, [("2026-05-01T10:00:00Z", 3)])])
        created_id(client.post("/v1.1/Things", json=body, headers=admin))
        store = client.app.state.store  # type: ignore[attr-defined]
        with store.write() as tx:
            now = datetime.now(UTC)
            gemeente = tx.access.add_party("gemeente", "organisation", None, now)
            dataset = tx.access.add_dataset("intern", "Intern", "non-public", gemeente, "", now)
            tx.access.assign_streams(dataset, [1], [])
        staff = {"Authorization": f"Bearer {issuer.token(stadsdata_party='gemeente')}"}
        keycloak_writer = {"Authorization": f"Bearer {issuer.token(stadsdata_party='gemeente', realm_access={'roles': ['stadsdata-writer']})}"}
        outsider = {"Authorization": f"Bearer {issuer.token(sub='bob')}"}
        assert [d["name"] for d in client.get("/v1.1/Datastreams", headers=staff).json()["value"]] == ["energy"]
        assert client.get("/v1.1/Datastreams", headers=outsider).json()["value"] == []
        observation = {"phenomenonTime": "2026-05-01T11:00:00Z", "result": 4, "Datastream": {"@iot.id": 1}}
        assert_problem(client.post("/v1.1/Observations", json=observation, headers=staff), 403)
        assert client.post("/v1.1/Observations", json=observation, headers=keycloak_writer).status_code == 201
        unknown_party = {"Authorization": f"Bearer {issuer.token(stadsdata_party='nobody')}"}
        assert "not known" in assert_problem(client.get("/v1.1/Datastreams", headers=unknown_party), 401)["detail"]
        expired = issuer.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
        assert "expired" in assert_problem(client.get("/v1.1/Things", headers={"Authorization": f"Bearer {expired}"}), 401)["detail"]

    without = Settings(database=db, access_mode="enforced")
    with TestClient(create_app(without)) as client:
        problem = assert_problem(client.get("/v1.1/Things", headers=staff), 401)
        assert "no OpenID Connect issuer" in problem["detail"]
