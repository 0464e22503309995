"""The containers' healthcheck: `python -m ops.probe /readyz` exits 0 when the local server answers 200.

Standard library only and no Django, so a probe costs milliseconds. It sends a Host the
production settings allow (the first of ALLOWED_HOSTS) and X-Forwarded-Proto: https, as the
proxy in front does, so that the HTTPS redirect does not answer in the page's place.
"""

import http.client
import os
import sys


def probe_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    return first if first and first != "*" else "localhost"


def probe(*, path: str, port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": probe_host(), "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"{path}: HTTP {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(probe(path=sys.argv[1] if len(sys.argv) > 1 else "/readyz", port=int(os.environ.get("PORT", "8000"))))
