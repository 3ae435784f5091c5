#!/usr/bin/env bash
# fuzz/repro/strip_cookie_httpd.sh: the finding of fuzz_strip, on a real
# httpd.  With SocketIOAuthStripCookie On, a Cookie header whose pairs are
# not followed by a space ("a;b;c") is rewritten longer ("a; b; c"); until
# a2c2087 that did not fit the buffer mod_socketio_auth gave
# sc_cookie_remove (strlen + 1), the header was left as it was and the
# session cookie went on to the backend.  Kept as a check of the fix.
# mod_headers shows the Cookie header as the backend would get it.
# Exits 0 when the session cookie is stripped in every case, 1 if not.
#   SIO_MODULES_DIR=/path/to/.libs fuzz/repro/strip_cookie_httpd.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../scripts/lib/common.sh"

skip() {
    echo "SKIP: $*"
    case ${CI:-} in ''|false|0) exit 0 ;; *) exit 1 ;; esac
}
command -v curl >/dev/null || skip "curl is not installed"
command -v htpasswd >/dev/null || skip "htpasswd is not installed (apache2-utils)"
[ -n "${SIO_HTTPD_BIN:-}" ] && [ -x "$SIO_HTTPD_BIN" ] || skip "no httpd (apxs not found)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sio-strip.XXXXXX")
conf=$dir/httpd.conf
trap 'sio_httpd_stop "$conf"; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
port=$(sio_free_port)
mkdir -p "$dir/htdocs"
echo ok > "$dir/htdocs/echo"
htpasswd -bc "$dir/htpasswd" alice secret 2>/dev/null
chmod 644 "$dir/htpasswd"
{
    sio_httpd_conf_base "$dir" "$port"
    cat <<CONF
DocumentRoot "$dir/htdocs"
SessionStoreSecret "a fuzz repro secret that is long enough to pass"
<Location /login>
  SetHandler session-store-login
  SessionStoreLoginProvider file
  AuthUserFile "$dir/htpasswd"
</Location>
<Location /echo>
  AuthType SocketIO
  Require valid-user
  SocketIOAuthStripCookie On
  Header always set X-Backend-Cookie "expr=%{req:Cookie}"
</Location>
CONF
} > "$conf"
sio_httpd_start "$conf" "$port"

cookie=$(curl -s -m 10 -o /dev/null -D - -d 'username=alice&password=secret' \
             "http://127.0.0.1:$port/login" |
         sed -n 's/^Set-Cookie: \(express\.sid=[^;]*\).*/\1/pi')
[ -n "$cookie" ] || sio_die "login failed (see $dir/logs/error_log)"

leaks=0
check() {
    local what=$1 header=$2 status seen
    seen=$(curl -s -m 10 -o /dev/null -D - -H "Cookie: $header" \
               "http://127.0.0.1:$port/echo" | tr -d '\r')
    status=$(printf '%s\n' "$seen" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p')
    seen=$(printf '%s\n' "$seen" | sed -n 's/^X-Backend-Cookie: //pi')
    if [ "$status" != 200 ]; then
        echo "not ok - $what: status $status"
        leaks=$((leaks + 1))
    elif [[ $seen == *express.sid=* ]]; then
        echo "not ok - $what: the backend gets the session cookie (${#header}-byte header)"
        leaks=$((leaks + 1))
    else
        echo "ok - $what: stripped, backend gets '${seen:0:40}'"
    fi
}
check "browser-style header" "$cookie; a=1; b=2"
check "150 pairs after it, no spaces" "$cookie$(printf ';a%.0s' $(seq 1 150))"
check "comma-merged headers" "$cookie$(printf ",a=1%.0s" $(seq 1 150))"
[ "$leaks" -eq 0 ]
