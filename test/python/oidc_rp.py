"""A relying party nobody at Tessera wrote: Authlib's OAuth2Session and JsonWebToken (Debian's
python3-authlib), with requests, and PyJWT's PyJWKClient as a second check of the ID token.

Run by test/http/oidc/python-client.test.ts under /usr/bin/python3. It speaks JSON lines:
  argv[1]  {"issuer", "client_id", "client_secret", "redirect_uri", "scope"}
  stdout   {"authorization_url": ...}        (the test's browser signs in and follows it)
  stdin    {"callback": ...}                 (the URL the browser was sent back to)
  stdout   {"ok": true, ...} or {"ok": false, "error": ...}, then exit 0 or 1

Steps: discovery; the authorization URL with PKCE (S256), state and nonce; the callback's
state and iss (RFC 9207); the code exchange (client_secret_basic); the ID token's signature
against the JWKS (jwks_uri) and its iss, aud, exp, iat and nonce; a tampered ID token refused;
userinfo with the access token; a refresh (rotated refresh token, a new ID token of the same
subject).
"""
import base64
import json
import os
import sys
import time
from urllib.parse import parse_qs, urlparse

# The test server is http on the loopback; Authlib refuses http without this.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

import jwt as pyjwt  # noqa: E402  (PyJWT)
import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.jose.errors import JoseError  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402


def say(message):
    print(json.dumps(message), flush=True)


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def verify_id_token(id_token, key_set, issuer, client_id, nonce, access_token):
    """Authlib: RS256 only, signature by a key of the JWKS, then the ID token's claims."""
    claims = JsonWebToken(["RS256"]).decode(
        id_token,
        key_set,
        claims_cls=CodeIDToken,
        claims_options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
        },
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(now=int(time.time()), leeway=5)
    return dict(claims)


def main():
    setup = json.loads(sys.argv[1])
    issuer = setup["issuer"]
    client_id = setup["client_id"]
    redirect_uri = setup["redirect_uri"]
    http = requests.Session()

    # Discovery (OpenID Connect Discovery 1.0 §4).
    metadata = http.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    check(metadata["issuer"] == issuer, "the discovered issuer is the one asked")
    check("S256" in metadata["code_challenge_methods_supported"], "S256 offered")
    check("RS256" in metadata["id_token_signing_alg_values_supported"], "RS256 offered")
    jwks = http.get(metadata["jwks_uri"], timeout=10).json()
    key_set = JsonWebKey.import_key_set(jwks)

    client = OAuth2Session(
        client_id,
        setup["client_secret"],
        scope=setup["scope"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    code_verifier = generate_token(64)
    nonce = generate_token(24)
    authorization_url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )
    say({"authorization_url": authorization_url})

    callback = json.loads(sys.stdin.readline())["callback"]
    query = parse_qs(urlparse(callback).query)
    check(query.get("iss") == [issuer], "the callback names the issuer (RFC 9207)")
    check(query.get("state") == [state], "the callback returns the state")

    # fetch_token checks the state again (parse_authorization_code_response).
    token = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        code_verifier=code_verifier,
        state=state,
    )
    check(token["token_type"].lower() == "bearer", "a bearer token")
    claims = verify_id_token(
        token["id_token"], key_set, issuer, client_id, nonce, token["access_token"]
    )

    # A second, independent check with PyJWT: the key by the token's kid from jwks_uri.
    signing_key = pyjwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(
        token["id_token"]
    )
    pyjwt_claims = pyjwt.decode(
        token["id_token"],
        signing_key.key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    check(pyjwt_claims["nonce"] == nonce, "PyJWT reads the same nonce")

    # The same token with one signature byte changed, or another nonce: refused.
    head, body, signature = token["id_token"].split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    refusals = {}
    for name, bad_token, bad_nonce in [
        ("signature", f"{head}.{body}.{flipped}", nonce),
        ("nonce", token["id_token"], nonce + "x"),
    ]:
        try:
            verify_id_token(bad_token, key_set, issuer, client_id, bad_nonce, None)
            refusals[name] = None
        except JoseError as error:
            refusals[name] = type(error).__name__

    # Userinfo with the access token as a bearer token (OAuth2Session adds it).
    userinfo_response = client.get(metadata["userinfo_endpoint"], timeout=10)
    check(userinfo_response.status_code == 200, f"userinfo: {userinfo_response.status_code}")
    userinfo = userinfo_response.json()

    # Refresh: a new access token and a rotated refresh token.
    refreshed = client.refresh_token(
        metadata["token_endpoint"], refresh_token=token["refresh_token"]
    )
    refreshed_claims = verify_id_token(
        refreshed["id_token"], key_set, issuer, client_id, None, refreshed["access_token"]
    )

    say(
        {
            "ok": True,
            "id_token_header": json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))),
            "claims": claims,
            "nonce": nonce,
            "pyjwt_sub": pyjwt_claims["sub"],
            "refusals": refusals,
            "userinfo": userinfo,
            "refresh_token_rotated": refreshed["refresh_token"] != token["refresh_token"],
            "access_token_changed": refreshed["access_token"] != token["access_token"],
            "refreshed_claims": refreshed_claims,
            "scope": token.get("scope"),
        }
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test prints whatever went wrong
        say({"ok": False, "error": f"{type(error).__name__}: {error}"})
        sys.exit(1)
