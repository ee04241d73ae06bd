"""Verification of OIDC Back-Channel Logout 1.0 logout tokens (section 2.6 of the spec)."""
import base64
import json
import threading
import time
from collections import OrderedDict

from authlib.jose import JsonWebToken
from authlib.jose.errors import JoseError
from django.conf import settings

from . import oidc

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_AGE = 300  # seconds: iat may be this old (the provider retries, but with fresh tokens)
CLOCK_SKEW = 60  # seconds: iat may be this far in the future
MAX_JTIS = 10_000  # bound on the replay memory; a jti older than MAX_AGE is refused by iat anyway

_jwt = JsonWebToken(list(oidc.ALGORITHMS))


class InvalidLogoutToken(Exception):
    pass


class _SeenJtis:
    """Recently accepted (iss, jti) pairs, forgotten once their iat is too old to pass again. Per process."""

    def __init__(self):
        self._seen = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key, now):
        with self._lock:
            while self._seen and (len(self._seen) >= MAX_JTIS or next(iter(self._seen.values())) < now - MAX_AGE - CLOCK_SKEW):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


seen_jtis = _SeenJtis()


def _header(token):
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidLogoutToken("not a JWT") from error
    if not isinstance(header, dict) or header.get("alg") not in oidc.ALGORITHMS:
        raise InvalidLogoutToken(f"alg must be one of {', '.join(oidc.ALGORITHMS)}")
    return header


def verify(token):
    """The token's claims when it is a valid, fresh, unseen logout token for this client; else InvalidLogoutToken."""
    header = _header(token)
    key = oidc.signing_key(header.get("kid"))
    if key is None:
        raise InvalidLogoutToken("signed with a key the provider does not publish")
    try:
        claims = _jwt.decode(token, key, claims_options={
            "iss": {"essential": True, "value": settings.IRONLINK_ISSUER},
            "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            "iat": {"essential": True},
            "jti": {"essential": True},
        })
        claims.validate(leeway=CLOCK_SKEW)  # also checks exp when present
    except JoseError as error:
        raise InvalidLogoutToken(error.description or error.error) from error
    except (ValueError, TypeError, KeyError) as error:  # e.g. a key of the wrong type for the alg, malformed segments
        raise InvalidLogoutToken("malformed or wrongly signed token") from error
    _check_logout_claims(claims)
    if not seen_jtis.add((claims["iss"], str(claims["jti"])), time.time()):
        raise InvalidLogoutToken("jti already used")
    return claims


def _check_logout_claims(claims):
    now = time.time()
    iat = claims["iat"]
    if not isinstance(iat, (int, float)) or iat < now - MAX_AGE or iat > now + CLOCK_SKEW:
        raise InvalidLogoutToken("iat is not recent")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise InvalidLogoutToken("events lacks the back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token must not contain a nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise InvalidLogoutToken("neither sid nor sub")
