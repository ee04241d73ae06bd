"""The back-channel logout endpoint with real signed tokens, against a real (local) provider's discovery and JWKS."""
import base64
import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

from authlib.jose import JsonWebKey, jwt
from django.conf import settings
from django.test import Client, SimpleTestCase, override_settings

from . import logout_token, session_index

EVENT = {logout_token.BACKCHANNEL_EVENT: {}}
# The app logs each refused token and unreachable provider; here those are the point, not news.
logging.getLogger("ironlink_django").setLevel(logging.ERROR)
logging.getLogger("django.request").setLevel(logging.CRITICAL)


def serve_provider(jwks):
    """A discovery document and a JWKS on a free local port, as the sign-in app serves them."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            issuer = f"http://127.0.0.1:{self.server.server_port}"
            documents = {
                "/.well-known/openid-configuration": {
                    "issuer": issuer,
                    "authorization_endpoint": f"{issuer}/oidc/auth",
                    "token_endpoint": f"{issuer}/oidc/token",
                    "jwks_uri": f"{issuer}/oidc/jwks",
                    "end_session_endpoint": f"{issuer}/oidc/session/end",
                },
                "/oidc/jwks": jwks,
            }
            self.send(200 if self.path in documents else 404, documents.get(self.path, {}))

        def do_POST(self):  # the token endpoint: records the request, answers what the test set
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            self.server.token_requests.append((self.headers.get("Authorization", ""), form))
            self.send(200, self.server.token_response)

        def send(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.token_requests, server.token_response = [], {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class BackchannelLogoutTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = JsonWebKey.generate_key("RSA", 2048, options={"kid": "k1"}, is_private=True)
        cls.server = serve_provider({"keys": [cls.key.as_dict(is_private=False)]})
        cls.issuer = f"http://127.0.0.1:{cls.server.server_port}"
        cls.settings_override = override_settings(IRONLINK_ISSUER=cls.issuer)
        cls.settings_override.enable()

    @classmethod
    def tearDownClass(cls):
        cls.settings_override.disable()
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def claims(self, **changes):
        claims = {"iss": self.issuer, "aud": settings.OIDC_CLIENT_ID, "iat": int(time.time()),
                  "jti": str(uuid.uuid4()), "events": EVENT, "sub": "user-1", "sid": "sid-a"}
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def token(self, key=None, header=None, **changes):
        header = header or {"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}
        return jwt.encode(header, self.claims(**changes), key or self.key).decode()

    def post(self, token):
        return self.client.post("/oidc/backchannel-logout", {"logout_token": token})

    def signed_in(self, username, sid, sub="user-1"):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store.update({"username": username, "sid": sid, "sub": sub})
        store.create()
        session_index.remember(store.session_key, sid, sub)
        return store.session_key

    def username(self, session_key):
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        return client.get("/api/me").json()["username"]

    def assertRejected(self, token, survivor):
        response = self.post(token)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_request")
        self.assertEqual(self.username(survivor), "ada")

    def test_a_good_token_ends_the_sessions_of_its_sid_only(self):
        ended, other = self.signed_in("ada", "sid-a"), self.signed_in("bob", "sid-b", sub="user-2")
        self.assertEqual(self.username(ended), "ada")
        response = self.post(self.token())
        self.assertEqual((response.status_code, response.content), (200, b""))
        self.assertIsNone(self.username(ended))
        self.assertEqual(self.username(other), "bob")

    def test_without_a_sid_every_session_of_the_sub_ends(self):
        first, second = self.signed_in("ada", "sid-c"), self.signed_in("ada", "sid-d")
        self.assertEqual(self.post(self.token(sid=None)).status_code, 200)
        self.assertIsNone(self.username(first))
        self.assertIsNone(self.username(second))

    def test_a_bad_signature_is_refused(self):
        impostor = JsonWebKey.generate_key("RSA", 2048, options={"kid": "k1"}, is_private=True)
        self.assertRejected(self.token(key=impostor), self.signed_in("ada", "sid-a"))

    def test_an_unknown_key_is_refused(self):
        other = JsonWebKey.generate_key("RSA", 2048, options={"kid": "k2"}, is_private=True)
        self.assertRejected(self.token(key=other, header={"alg": "RS256", "kid": "k2"}), self.signed_in("ada", "sid-a"))

    def test_a_wrong_issuer_is_refused(self):
        self.assertRejected(self.token(iss="http://127.0.0.1:1"), self.signed_in("ada", "sid-a"))

    def test_a_wrong_audience_is_refused(self):
        self.assertRejected(self.token(aud="another-client"), self.signed_in("ada", "sid-a"))

    def test_a_token_without_the_logout_event_is_refused(self):
        self.assertRejected(self.token(events=None), self.signed_in("ada", "sid-a"))
        self.assertRejected(self.token(events={"http://example.com/other": {}}), self.signed_in("ada", "sid-a"))

    def test_a_token_with_a_nonce_is_refused(self):
        self.assertRejected(self.token(nonce="n-0S6_WzA2Mj"), self.signed_in("ada", "sid-a"))

    def test_an_old_token_is_refused(self):
        self.assertRejected(self.token(iat=int(time.time()) - 3600), self.signed_in("ada", "sid-a"))

    def test_a_token_without_sid_or_sub_is_refused(self):
        self.assertRejected(self.token(sid=None, sub=None), self.signed_in("ada", "sid-a"))

    def test_a_replayed_jti_is_refused(self):
        token = self.token()
        self.assertEqual(self.post(token).status_code, 200)
        self.assertRejected(token, self.signed_in("ada", "sid-a"))

    def test_alg_none_is_refused(self):
        def segment(value):
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
        unsigned = f"{segment({'alg': 'none'})}.{segment(self.claims())}."
        self.assertRejected(unsigned, self.signed_in("ada", "sid-a"))

    def test_garbage_and_a_missing_token_are_refused(self):
        self.assertRejected("not-a-jwt", self.signed_in("ada", "sid-a"))
        self.assertEqual(self.client.post("/oidc/backchannel-logout", {}).status_code, 400)

    def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(self):
        response = self.client.get("/login")
        self.assertEqual(response.status_code, 302)
        location = urlsplit(response["Location"])
        query = parse_qs(location.query)
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", f"{self.issuer}/oidc/auth")
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["scope"], ["openid profile"])
        self.assertEqual(query["redirect_uri"], [f"{settings.PUBLIC_URL}/oidc/callback"])
        self.assertTrue(query["state"][0] and query["nonce"][0] and query["code_challenge"][0])

    def test_the_callback_signs_in_with_a_new_session_id_that_back_channel_logout_ends(self):
        state = parse_qs(urlsplit(self.client.get("/login")["Location"]).query)
        before = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        now = int(time.time())
        id_token = {"iss": self.issuer, "aud": settings.OIDC_CLIENT_ID, "sub": "user-3", "sid": "sid-f",
                    "preferred_username": "carol", "nonce": state["nonce"][0], "iat": now, "exp": now + 60}
        self.server.token_response = {"access_token": "at", "token_type": "Bearer", "expires_in": 60,
                                      "id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, id_token, self.key).decode()}
        response = self.client.get(f"/oidc/callback?code=c1&state={state['state'][0]}")
        self.assertEqual((response.status_code, response["Location"]), (302, "/"))
        self.assertNotEqual(self.client.cookies[settings.SESSION_COOKIE_NAME].value, before)
        authorization, form = self.server.token_requests[-1]
        self.assertTrue(authorization.startswith("Basic "))  # client_secret_basic
        self.assertEqual((form["code"], len(form["code_verifier"][0]) >= 43), (["c1"], True))  # PKCE
        self.assertContains(self.client.get("/"), "Signed in as carol")
        self.assertEqual(self.post(self.token(sid="sid-f", sub="user-3")).status_code, 200)
        self.assertEqual(self.client.get("/api/me").json(), {"username": None})


class PageTests(SimpleTestCase):
    def test_anonymous_pages(self):
        home = self.client.get("/")
        self.assertContains(home, "Not signed in")
        self.assertContains(home, 'href="/login"')
        self.assertEqual(self.client.get("/api/me").json(), {"username": None})
        self.assertEqual(self.client.get("/health").content, b"ok")

    def test_a_signed_in_page_escapes_the_name_and_signs_out_by_post_with_csrf(self):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store.update({"username": "<b>ada</b>", "sub": "user-1", "sid": "sid-e"})
        store.create()
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        page = client.get("/")
        self.assertContains(page, "Signed in as &lt;b&gt;ada&lt;/b&gt;")
        self.assertContains(page, 'name="csrfmiddlewaretoken"')
        self.assertEqual(client.post("/logout").status_code, 403)  # no CSRF token

    def test_a_provider_error_on_the_callback_is_a_friendly_400(self):
        response = self.client.get("/oidc/callback?error=access_denied&state=x")
        self.assertContains(response, "Sign-in did not complete (access_denied).", status_code=400)
        self.assertContains(self.client.get("/oidc/callback?code=c&state=forged"), "Please start again", status_code=400)

    @override_settings(IRONLINK_ISSUER="http://127.0.0.1:9")
    def test_login_while_the_provider_is_down_is_a_friendly_502(self):
        self.assertContains(self.client.get("/login"), "not answering", status_code=502)
