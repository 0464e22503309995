"""The one trusted answer to "who is this client?", for every rate limit and throttle in the shop,
and whether an anonymous client is a visitor the shop knows (a stored session).

Behind N trusted proxies (`NUM_PROXIES`), each proxy appends the address it received the
request from to X-Forwarded-For, so the client's address is the N-th entry from the right;
whatever a client writes into the header itself sits further left and is never read. With
no proxy configured the header is ignored altogether and REMOTE_ADDR is the client.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address_get(*, request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


def visitor_session_key_get(*, request: HttpRequest) -> str:
    """The key of the stored session the client's session cookie names; "" when there is none.

    A cookie alone proves nothing: a key the session store does not hold (made up, or cleared) is
    no visitor, or a script could be a new visitor on every request. An expired key is already
    gone: loading the session, which reading `request.user` does, forgets it.
    """
    session = request.session
    key = session.session_key
    return key if key and session.exists(key) else ""
