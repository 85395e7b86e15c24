"""The `wms-station` agent: binds a packing or receiving station's scanner, printers and scale to the server.

Only its command line exists so far; the drivers and the server's station endpoints it talks to come
with the devices issue. Until then it says so and exits with status 2 rather than pretend to run.
"""
from __future__ import annotations

import argparse
import socket
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="wms-station", description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the server's root URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a bearer token of role packer or receiver")
    parser.add_argument("--name", default=socket.gethostname(), help="station name (default: host name)")
    parser.add_argument("--scanner", help="scanner device URL (/dev/ttyACM0, socket://host:port, loop://)")
    parser.add_argument("--printer", action="append", default=[], metavar="NAME=URL",
                        help="a label printer to register for this station; may repeat")
    parser.add_argument("--scale", help="scale device URL (MT-SICS)")
    args = parser.parse_args(argv)
    for spec in args.printer:
        if "=" not in spec:
            parser.error(f"--printer takes NAME=URL, not {spec!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"wms-station {args.name}: the device drivers are not built yet; nothing to run", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
