"""Run the field app under waitress for the end-to-end tests and the benchmark.

``--die-after-sync N``: after the N-th ``POST /api/sync`` has been processed (and committed),
exit before sending the response — the server "stops during the sync".
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--die-after-sync", type=int, default=0)
    args = parser.parse_args()

    import waitress

    from field_app import create_app

    app = create_app()
    if args.die_after_sync:
        inner = app.wsgi_app
        seen = {"n": 0}

        def dying(environ, start_response):
            body = list(inner(environ, start_response))  # runs the view: the records are committed
            if environ["PATH_INFO"] == "/api/sync" and environ["REQUEST_METHOD"] == "POST":
                seen["n"] += 1
                if seen["n"] >= args.die_after_sync:
                    sys.stderr.write("e2e_server: dying after a sync\n")
                    sys.stderr.flush()
                    os._exit(3)
            return body

        app.wsgi_app = dying
    print(f"serving on {args.port}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="dynamobile")


if __name__ == "__main__":
    main()
