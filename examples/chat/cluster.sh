# examples/chat/cluster.sh: the chat demo as a cluster: one private Redis,
# two httpd servers sharing their sessions through it (SessionStoreBackend
# redis), each in front of its own chat backend, the backends sharing
# their events through Socket.IO's Redis adapter.  Shared by
# scripts/demo-cluster (foreground) and tests/browser/run-cluster.  Source
# it from bash after scripts/lib/common.sh and examples/chat/stack.sh (each
# server is one chat stack, prepared by chat_stack_prepare); it starts
# nothing by itself.
#
#   cluster_prepare RUN_DIR PORT_A PORT_B
#   cluster_start [LOGDIR]     backends' output to LOGDIR/backend-{a,b}.log,
#                              else to ours
#   cluster_stop               safe to call twice
#
# After cluster_prepare: CLUSTER_URL_A, CLUSTER_URL_B, CLUSTER_ALICE_PASSWORD,
# CLUSTER_BOB_PASSWORD, CLUSTER_DIR.

# shellcheck shell=bash
# shellcheck disable=SC2034

CLUSTER_REDIS_PID=
CLUSTER_STACKS=()

# Save and restore the CHAT_* globals of stack.sh, one set per server
# (printf -v assigns the globals: none of these names is local here).
CLUSTER_VARS=(CHAT_RUN_DIR CHAT_CONF CHAT_HTTP_PORT CHAT_BACKEND_SOCKET CHAT_URL
              CHAT_BACKEND_PID CHAT_HTTPD_STARTED)
cluster_save() {
    local name=$1 v
    for v in "${CLUSTER_VARS[@]}"; do
        printf -v "CLUSTER_${name}_$v" '%s' "${!v-}"
    done
}
cluster_load() {
    local name=$1 v src
    for v in "${CLUSTER_VARS[@]}"; do
        src="CLUSTER_${name}_$v"
        printf -v "$v" '%s' "${!src-}"
    done
}

cluster_prepare() {
    local run_dir=$1 port_a=$2 port_b=$3 name port
    [ -x /usr/bin/redis-server ] || sio_die "redis-server is not installed (scripts/setup-deps cluster)"
    sio_npm_install "$CHAT_DIR/cluster"
    rm -rf "$run_dir"
    mkdir -p "$run_dir/redis"
    CLUSTER_DIR=$(cd "$run_dir" && pwd)
    CLUSTER_REDIS_PORT=$(sio_free_port)
    CLUSTER_REDIS_PASSWORD=$(chat_random_token 32)
    (umask 077 && printf '%s\n' "$CLUSTER_REDIS_PASSWORD" > "$CLUSTER_DIR/redis.auth")
    # One pair of passwords for both servers.
    CLUSTER_ALICE_PASSWORD=${ALICE_PASSWORD:-$(chat_random_token 12)}
    CLUSTER_BOB_PASSWORD=${BOB_PASSWORD:-$(chat_random_token 12)}
    CLUSTER_STACKS=(A B)
    for name in A B; do
        port=$port_a
        [ "$name" = B ] && port=$port_b
        ALICE_PASSWORD=$CLUSTER_ALICE_PASSWORD BOB_PASSWORD=$CLUSTER_BOB_PASSWORD \
            chat_stack_prepare "$CLUSTER_DIR/$(echo "$name" | tr AB ab)" "$port"
        if [ "$name" = B ]; then
            # Every server signs and checks with the same secret.
            cp "$CLUSTER_DIR/a/session-secret" "$CHAT_RUN_DIR/session-secret"
        fi
        cat >>"$CHAT_CONF" <<CONF

# ---- the cluster (examples/chat/cluster.sh): sessions in one Redis,
# shared by both servers, which must share their realm too.
SessionStoreBackend redis
SessionStoreRedisServer 127.0.0.1:$CLUSTER_REDIS_PORT
SessionStoreRedisAuthFile "$CLUSTER_DIR/redis.auth"
SessionStoreRealm chat-cluster
CONF
        CHAT_BACKEND_PID=
        CHAT_HTTPD_STARTED=
        cluster_save "$name"
    done
    cluster_load A
    CLUSTER_URL_A=$CHAT_URL
    cluster_load B
    CLUSTER_URL_B=$CHAT_URL
}

cluster_start() {
    local logdir=${1:-} name
    printf 'requirepass %s\n' "$CLUSTER_REDIS_PASSWORD" |
        /usr/bin/redis-server - --port "$CLUSTER_REDIS_PORT" --bind 127.0.0.1 --save '' \
            --appendonly no --dir "$CLUSTER_DIR/redis" --logfile "$CLUSTER_DIR/redis/redis.log" \
            --daemonize no >"$CLUSTER_DIR/redis/redis.out" 2>&1 &
    CLUSTER_REDIS_PID=$!
    sio_wait_port "$CLUSTER_REDIS_PORT" 15 || sio_die "redis-server did not start (see $CLUSTER_DIR/redis/redis.log)"
    for name in "${CLUSTER_STACKS[@]}"; do
        cluster_load "$name"
        CHAT_REDIS_URL="redis://:$CLUSTER_REDIS_PASSWORD@127.0.0.1:$CLUSTER_REDIS_PORT" \
            chat_stack_start_backend "${logdir:+$logdir/backend-$(echo "$name" | tr AB ab).log}"
        chat_stack_start_httpd
        cluster_save "$name"
    done
}

cluster_stop() {
    local name pid=$CLUSTER_REDIS_PID
    for name in "${CLUSTER_STACKS[@]}"; do
        cluster_load "$name"
        chat_stack_stop
        cluster_save "$name"
    done
    CLUSTER_REDIS_PID=
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
