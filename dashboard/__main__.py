"""python -m dashboard LAKEHOUSE [--host 127.0.0.1] [--port 8050]  (bin/dashboard wraps it)."""

import argparse
import logging
import os
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="bin/dashboard",
                                description="cslake's CS 360° dashboard over the gold Delta tables of a lakehouse.")
    p.add_argument("lakehouse", help="the lakehouse folder (cslake.lakehouse), e.g. ./lakehouse")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from .app import create_app

    root = os.path.abspath(args.lakehouse)
    if not os.path.isdir(root):
        print(f"bin/dashboard: {root} does not exist yet; every page will say which command writes its tables.",
              file=sys.stderr)
    app = create_app(root)
    print(f"bin/dashboard: serving {root} on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
