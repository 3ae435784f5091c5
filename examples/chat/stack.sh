# examples/chat/stack.sh: start and stop the chat demo stack (httpd with our
# two modules in front of the Node Socket.IO backend).  Shared by
# scripts/demo (foreground, for people) and tests/browser/run (background).
# Source it from bash after scripts/lib/common.sh; it starts nothing by
# itself.
#
#   chat_stack_prepare RUN_DIR HTTP_PORT
#       npm-installs the backend, (re)creates RUN_DIR with the static pages,
#       a random cookie secret (mode 600), the users alice and bob in an
#       htpasswd file, the browser helper of socketio-auth-edge, the
#       directory of the backend's unix socket (only httpd's group may
#       enter it) and httpd.conf from conf/demo/httpd.conf.in.
#       Passwords: $ALICE_PASSWORD / $BOB_PASSWORD, else random.
#   chat_stack_start_backend [LOGFILE]
#       node server.js in the background on the unix socket (output to
#       LOGFILE, else to ours).
#   chat_stack_start_httpd
#   chat_stack_stop
#       stops whatever of the two was started; safe to call twice.
#
# After chat_stack_prepare: CHAT_RUN_DIR, CHAT_CONF, CHAT_HTTP_PORT,
# CHAT_BACKEND_SOCKET, CHAT_URL, CHAT_ALICE_PASSWORD, CHAT_BOB_PASSWORD.
# After chat_stack_start_backend: CHAT_BACKEND_PID.

# shellcheck shell=bash
# The CHAT_* variables are for the scripts that source this file.
# shellcheck disable=SC2034

CHAT_DIR="$SIO_ROOT/examples/chat"
CHAT_BACKEND_PID=
CHAT_HTTPD_STARTED=

chat_random_token() {
    # Letters and digits only: it ends up in a form post and in a terminal.
    head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-"$1"
}

# Fail early, with the reason, when httpd's children (User nobody when we
# are root) could not read what they serve: usually a parent directory of
# the checkout that is not world-searchable, like /root.
chat_check_readable_by_nobody() {
    local path
    [ "$(id -u)" = 0 ] || return 0
    for path in "$@"; do
        if ! runuser -u nobody -- test -r "$path"; then
            sio_die "httpd runs its children as 'nobody', who cannot read $path; put the checkout where every parent directory is world-searchable (chmod o+x), or run as a normal user"
        fi
    done
}

chat_stack_prepare() {
    local run_dir=$1 http_port=$2 template="$SIO_ROOT/conf/demo/httpd.conf.in"
    local pid_file="$run_dir/logs/httpd.pid" pid

    command -v node >/dev/null || sio_die "node is not installed (Debian: apt-get install nodejs npm)"
    command -v htpasswd >/dev/null || sio_die "htpasswd is not installed (Debian: apt-get install apache2-utils)"
    if [ -z "${SIO_HTTPD_BIN:-}" ] || [ ! -x "$SIO_HTTPD_BIN" ]; then
        sio_die "no httpd found through apxs (Debian: apt-get install apache2 apache2-dev)"
    fi
    [ -f "$template" ] || sio_die "missing $template"

    # A stack still running from this directory would lose its files.
    if [ -f "$pid_file" ]; then
        pid=$(cat "$pid_file" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            sio_die "an httpd (pid $pid) is still running from $run_dir; stop it first"
        fi
    fi

    sio_npm_install "$CHAT_DIR"

    rm -rf "$run_dir"
    mkdir -p "$run_dir"
    CHAT_RUN_DIR=$(cd "$run_dir" && pwd)
    CHAT_CONF="$CHAT_RUN_DIR/httpd.conf"
    CHAT_HTTP_PORT=$http_port
    CHAT_BACKEND_SOCKET="$CHAT_RUN_DIR/backend/chat.sock"
    # sun_path holds 107 bytes.
    [ "${#CHAT_BACKEND_SOCKET}" -le 100 ] ||
        sio_die "the backend's socket path $CHAT_BACKEND_SOCKET is too long for a unix socket; run from a shorter directory"
    CHAT_URL="http://127.0.0.1:$CHAT_HTTP_PORT"
    CHAT_ALICE_PASSWORD=${ALICE_PASSWORD:-$(chat_random_token 12)}
    CHAT_BOB_PASSWORD=${BOB_PASSWORD:-$(chat_random_token 12)}

    # A copy, made readable by httpd's children whatever the umask of the
    # checkout was, without touching the modes of the sources.
    cp -R "$CHAT_DIR/public" "$CHAT_RUN_DIR/htdocs"
    cp "$CHAT_DIR/node_modules/socketio-auth-edge/client.js" "$CHAT_RUN_DIR/htdocs/socketio-auth-edge.js"
    chmod -R a+rX "$CHAT_RUN_DIR/htdocs"

    # The backend's unix socket lives in a directory that only httpd's
    # children (and we) may enter: no other local process can reach the
    # backend and send its own X-Socketio-User.  As root, httpd's children
    # are nobody; the setgid bit gives the socket the directory's group.
    mkdir -p "$CHAT_RUN_DIR/backend"
    if [ "$(id -u)" = 0 ]; then
        chgrp "$(id -gn nobody 2>/dev/null || echo nogroup)" "$CHAT_RUN_DIR/backend"
        chmod 2750 "$CHAT_RUN_DIR/backend"
    else
        chmod 700 "$CHAT_RUN_DIR/backend"
    fi

    # Read once by the httpd parent (as root, or as us): nobody else.
    (umask 077 && head -c 32 /dev/urandom | base64 > "$CHAT_RUN_DIR/session-secret")
    chmod 600 "$CHAT_RUN_DIR/session-secret"

    # Read by the children at every login: bcrypt hashes, not world-readable.
    (umask 077 &&
     printf '%s\n' "$CHAT_ALICE_PASSWORD" | htpasswd -ciB "$CHAT_RUN_DIR/htpasswd" alice 2>/dev/null &&
     printf '%s\n' "$CHAT_BOB_PASSWORD" | htpasswd -iB "$CHAT_RUN_DIR/htpasswd" bob 2>/dev/null) ||
        sio_die "htpasswd could not create $CHAT_RUN_DIR/htpasswd"
    if [ "$(id -u)" = 0 ]; then
        chgrp "$(id -gn nobody 2>/dev/null || echo nogroup)" "$CHAT_RUN_DIR/htpasswd"
        chmod 640 "$CHAT_RUN_DIR/htpasswd"
    fi

    {
        sio_httpd_conf_base "$CHAT_RUN_DIR" "$CHAT_HTTP_PORT"
        echo
        sed -e "s|@HTDOCS@|$CHAT_RUN_DIR/htdocs|g" \
            -e "s|@SECRET_FILE@|$CHAT_RUN_DIR/session-secret|g" \
            -e "s|@HTPASSWD@|$CHAT_RUN_DIR/htpasswd|g" \
            -e "s|@BACKEND_SOCKET@|$CHAT_BACKEND_SOCKET|g" "$template"
    } > "$CHAT_CONF"

    chat_check_readable_by_nobody "$CHAT_RUN_DIR/htdocs/chat.html" "$CHAT_RUN_DIR/htpasswd"
}

chat_stack_start_backend() {
    local logfile=${1:-} tries=15
    if [ -n "$logfile" ]; then
        CHAT_SOCKET=$CHAT_BACKEND_SOCKET node "$CHAT_DIR/server.js" >>"$logfile" 2>&1 &
    else
        CHAT_SOCKET=$CHAT_BACKEND_SOCKET node "$CHAT_DIR/server.js" &
    fi
    CHAT_BACKEND_PID=$!
    # Watch the process as well as the socket: if it dies (a syntax error)
    # there is no point waiting the full time.  Ready once the socket has
    # the mode server.js gives it after listening.
    tries=$((tries * 10))
    while [ "$tries" -gt 0 ]; do
        kill -0 "$CHAT_BACKEND_PID" 2>/dev/null ||
            sio_die "the chat backend exited at start${logfile:+ (see $logfile)}"
        if [ -S "$CHAT_BACKEND_SOCKET" ] && [ "$(stat -c %a "$CHAT_BACKEND_SOCKET")" = 660 ]; then
            return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    sio_die "the chat backend is not listening on $CHAT_BACKEND_SOCKET"
}

chat_stack_start_httpd() {
    CHAT_HTTPD_STARTED=1
    sio_httpd_start "$CHAT_CONF" "$CHAT_HTTP_PORT"
}

chat_stack_stop() {
    local pid=$CHAT_BACKEND_PID tries=50
    CHAT_BACKEND_PID=
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
            sleep 0.1
            tries=$((tries - 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ -n "$pid" ]; then
        wait "$pid" 2>/dev/null || true
    fi
    if [ -n "$CHAT_HTTPD_STARTED" ]; then
        CHAT_HTTPD_STARTED=
        sio_httpd_stop "$CHAT_CONF"
    fi
}
