"""The pages: who is signed in, sign-in and sign-out through the fleet's provider, and back-channel logout."""
import logging
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.jose.errors import JoseError
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import logout_token, oidc, session_index

log = logging.getLogger(__name__)
# What can go wrong talking to the provider: it is down or slow, answers garbage, or is not who we expect.
PROVIDER_ERRORS = (requests.RequestException, ValueError, RuntimeError, oidc.ProviderError)
UNREACHABLE = "The sign-in service is not answering right now. Please try again in a moment."


def _error_page(request, message, status):
    return render(request, "error.html", {"message": message}, status=status)


@require_GET
@never_cache
def home(request):
    return render(request, "home.html", {"username": request.session.get("username")})


@require_GET
def login(request):
    try:
        return oidc.client().authorize_redirect(request, f"{settings.PUBLIC_URL}/oidc/callback")
    except PROVIDER_ERRORS as error:
        log.warning("sign-in: cannot reach the provider: %s", error)
        return _error_page(request, UNREACHABLE, 502)


@require_GET
@never_cache
def callback(request):
    if "error" in request.GET:
        # The provider said no (e.g. access_denied): say so plainly, with its code, never a traceback.
        return _error_page(request, f"Sign-in did not complete ({request.GET['error'][:100]}).", 400)
    try:
        token = oidc.client().authorize_access_token(request)
    except (OAuthError, JoseError) as error:  # bad or replayed state, a refused code, an ID token that does not verify
        log.warning("sign-in: rejected callback: %s", error)
        return _error_page(request, "Sign-in did not complete. Please start again.", 400)
    except PROVIDER_ERRORS as error:
        log.warning("sign-in: cannot reach the provider: %s", error)
        return _error_page(request, UNREACHABLE, 502)
    claims = token.get("userinfo") or {}
    if not claims.get("sub"):
        return _error_page(request, "Sign-in did not complete. Please start again.", 400)
    request.session.cycle_key()  # a new session id at sign-in: a planted one is worth nothing
    request.session.update({
        "username": claims.get("preferred_username") or claims["sub"],
        "sub": claims["sub"],
        "sid": claims.get("sid"),
        "id_token": token["id_token"],  # the hint for RP-initiated logout; no password, no access token kept
    })
    session_index.remember(request.session.session_key, claims.get("sid"), claims["sub"])
    return HttpResponseRedirect("/")


@require_POST
def logout(request):
    session = request.session
    id_token = session.get("id_token")
    session_index.forget(session.session_key, session.get("sid"), session.get("sub"))
    session.flush()
    if not id_token:
        return HttpResponseRedirect("/")
    try:
        end_session = oidc.metadata()["end_session_endpoint"]
    except (*PROVIDER_ERRORS, KeyError) as error:
        log.warning("sign-out: cannot reach the provider: %s", error)
        return _error_page(request, "Signed out of this app, but the sign-in service did not answer: "
                                    "you may still be signed in there.", 502)
    query = urlencode({
        "id_token_hint": id_token,
        "client_id": settings.OIDC_CLIENT_ID,
        "post_logout_redirect_uri": f"{settings.PUBLIC_URL}/",
    })
    return HttpResponseRedirect(f"{end_session}?{query}")


def _invalid(description):
    response = JsonResponse({"error": "invalid_request", "error_description": description}, status=400)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the provider posts server to server; the logout token's signature is the proof
@require_POST
def backchannel_logout(request):
    try:
        token = request.POST.get("logout_token")
    except Exception:  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return _invalid("unreadable body")
    if not token:
        return _invalid("missing logout_token")
    try:
        claims = logout_token.verify(token)
    except logout_token.InvalidLogoutToken as error:
        log.warning("back-channel logout: rejected token: %s", error)
        return _invalid(str(error))
    except PROVIDER_ERRORS as error:
        log.warning("back-channel logout: cannot fetch the provider's keys: %s", error)
        return _invalid("cannot verify the token now")
    kind = "sid" if claims.get("sid") else "sub"
    ended = session_index.end_sessions(kind, claims[kind])
    log.info("back-channel logout: ended %d session(s) of a %s", ended, kind)
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
def me(request):
    return JsonResponse({"username": request.session.get("username")})


@require_GET
def health(request):
    return HttpResponse("ok", content_type="text/plain")
