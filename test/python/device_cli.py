"""A command-line tool that signs in with the device authorization grant (RFC 8628), as a CLI
on a machine without a browser would: requests only, no OAuth library.

  /usr/bin/python3 device_cli.py ISSUER CLIENT_ID [SCOPE]

It finds the endpoints by discovery, asks the device authorization endpoint for a code, tells
the person where to go and what to type, and polls the token endpoint with the device_code
grant: every `interval` seconds (5 when the server names none, RFC 8628 §3.2), 5 seconds more
after each `slow_down` (§3.5), on while `authorization_pending`, and stops on any other error.
It writes lines for the person (where to go, each poll's outcome), then the tokens as one JSON
line, after checking the ID token's signature and claims against the JWKS with PyJWT. Exit code 0 with
tokens, 1 without.
"""
import json
import sys
import time

import jwt
import requests

DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def tell(line):
    print(line, flush=True)


def main(issuer, client_id, scope):
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    if metadata.get("issuer") != issuer:
        raise SystemExit(f"the server says it is {metadata.get('issuer')!r}, not {issuer!r}")
    response = requests.post(
        metadata["device_authorization_endpoint"],
        data={"client_id": client_id, "scope": scope},
        timeout=10,
    )
    if response.status_code != 200:
        tell(f"device authorization refused: {response.status_code} {response.text}")
        return 1
    device = response.json()
    interval = int(device.get("interval", DEFAULT_INTERVAL))
    deadline = time.monotonic() + int(device["expires_in"])
    tell(f"To sign in, open {device['verification_uri']} and enter the code {device['user_code']}")
    tell(f"polling every {interval} s")

    while time.monotonic() < deadline:
        time.sleep(interval)
        answer = requests.post(
            metadata["token_endpoint"],
            data={
                "grant_type": DEVICE_CODE_GRANT,
                "device_code": device["device_code"],
                "client_id": client_id,
            },
            timeout=10,
        )
        body = answer.json()
        if answer.status_code == 200:
            tell("poll: tokens")
            claims = verify_id_token(metadata, body["id_token"], issuer, client_id)
            print(json.dumps({"tokens": body, "id_token_claims": claims}), flush=True)
            return 0
        error = body.get("error")
        if error == "authorization_pending":
            tell("poll: authorization_pending")
        elif error == "slow_down":
            interval += SLOW_DOWN_STEP
            tell(f"poll: slow_down, polling every {interval} s")
        else:
            tell(f"poll: {error} ({body.get('error_description', '')})")
            return 1
    tell("poll: the code expired before anyone approved it")
    return 1


def verify_id_token(metadata, id_token, issuer, client_id):
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(id_token).key
    return jwt.decode(id_token, key, algorithms=["RS256"], audience=client_id, issuer=issuer)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: device_cli.py ISSUER CLIENT_ID [SCOPE]")
    scope = sys.argv[3] if len(sys.argv) > 3 else "openid"
    sys.exit(main(sys.argv[1], sys.argv[2], scope))
