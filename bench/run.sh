#!/bin/sh
# Receive benchmark: wsc vs wscat vs Python websockets vs a raw-socket floor,
# all reading the same frames from bench/sender.py on 127.0.0.1.
# Called by `make bench` with WSC=/abs/path/wsc. See bench/README.md.
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
CLIENTS=${BENCH_CLIENTS:-floor,wsc,wscat,websockets}

die() {
    echo "bench: $*" >&2
    exit 2
}

has_client() {
    case ",$CLIENTS," in *,"$1",*) return 0 ;; esac
    return 1
}

[ -x "$PY" ] || die "$PY not found (Debian python3 with python3-websockets is needed)"

if has_client wsc; then
    [ -n "${WSC:-}" ] || die "WSC is not set (run as: make bench, or WSC=/abs/path/wsc bench/run.sh)"
    case "$WSC" in /*) ;; *) WSC=$(pwd)/$WSC ;; esac
    [ -x "$WSC" ] || die "WSC=$WSC is not an executable file"
    export WSC
fi

if has_client websockets; then
    "$PY" -c 'import websockets' 2>/dev/null ||
        die "$PY cannot import websockets (apt-get install python3-websockets)"
fi

if has_client wscat; then
    if [ -n "${WSCAT:-}" ]; then
        [ -x "$WSCAT" ] || die "WSCAT=$WSCAT is not an executable file"
    else
        WSCAT=$BENCH/node_modules/.bin/wscat
    fi
    if [ ! -x "$WSCAT" ]; then
        command -v npm >/dev/null 2>&1 || die "wscat missing and npm not found"
        echo "bench: installing wscat into $BENCH/node_modules" >&2
        npm install --prefix "$BENCH" --no-audit --no-fund wscat >&2 ||
            die "npm install wscat failed"
    fi
    [ -x "$WSCAT" ] || die "wscat not found at $WSCAT"
    command -v node >/dev/null 2>&1 || die "node not found (wscat needs it)"
    export WSCAT
fi

mkdir -p "$BENCH/results/bin"
if has_client floor; then
    FLOOR=$BENCH/results/bin/floor
    ${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -o "$FLOOR" "$BENCH/floor.c" ||
        die "cannot compile bench/floor.c"
    export FLOOR
fi

export BENCH_CLIENTS="$CLIENTS"
exec "$PY" "$BENCH/bench.py"
