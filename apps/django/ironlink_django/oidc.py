"""The sign-in app as an OpenID provider, through Authlib: one client per (issuer, client id).

Discovery is fetched on first use (so the app starts while the provider is down) and then kept;
the JWKS is kept too and fetched again when a token names a key we do not have (a key rotation).
"""
import threading
import time
from functools import lru_cache

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from authlib.jose import JsonWebKey
from django.conf import settings

# The fleet signs with these; never "none", never an HMAC (whose key a verifier could be tricked into taking from a public key).
ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT = 5  # seconds: a provider that hangs must not hang our pages
JWKS_REFETCH_INTERVAL = 10  # seconds between refetches forced by unknown kids, so junk tokens cannot make us hammer the provider


class ProviderError(Exception):
    """The provider's discovery document does not describe the issuer we trust."""


class IronlinkApp(DjangoOAuth2App):
    OAUTH_APP_CONFIG = None

    def load_server_metadata(self):
        metadata = super().load_server_metadata()
        # A discovery document naming another issuer is a mix-up or an impostor: refuse it (and fetch again next time).
        if metadata.get("issuer") != self.issuer:
            self.server_metadata.pop("_loaded_at", None)
            raise ProviderError(f"discovery names issuer {metadata.get('issuer')!r}, expected {self.issuer!r}")
        metadata["id_token_signing_alg_values_supported"] = list(ALGORITHMS)
        return metadata


@lru_cache(maxsize=4)
def _client(issuer, client_id, client_secret):
    oauth = OAuth()
    oauth.register(
        "ironlink",
        client_cls=IronlinkApp,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": HTTP_TIMEOUT,
        },
    )
    client = oauth.create_client("ironlink")
    client.issuer = issuer
    client.jwks_lock = threading.Lock()
    client.jwks_fetched_at = float("-inf")
    return client


def client():
    """The Authlib client for the current settings (tests point them at their own provider)."""
    return _client(settings.IRONLINK_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)


def metadata():
    return client().load_server_metadata()


def signing_key(kid):
    """The provider's public key named kid (or its only key when the token names none); None if unknown."""
    app = client()
    keys = JsonWebKey.import_key_set(app.fetch_jwk_set())
    found = _find(keys, kid)
    if found is None:
        with app.jwks_lock:
            if time.monotonic() - app.jwks_fetched_at >= JWKS_REFETCH_INTERVAL:
                app.jwks_fetched_at = time.monotonic()
                keys = JsonWebKey.import_key_set(app.fetch_jwk_set(force=True))
                found = _find(keys, kid)
    return found


def _find(keys, kid):
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((key for key in keys.keys if key.kid == kid), None)
