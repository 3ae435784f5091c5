# Operating two servers that share their sessions through Redis
# (SessionStoreBackend redis): session-store-admin on either sees and ends
# the sessions made on both; whoami never slides a session's TTL; the
# Prometheus answer carries the Redis round-trip histogram, and still
# answers (session_store_up 0) while Redis is down.  A private
# redis-server (t/lib/SIOTest/Redis.pm), never the system's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use SIOTest;
use SIOTest::Admin qw(handle_of sid_of);
use SIOTest::Server;
use SIOTest::Redis;
use SIOTest::Metrics;

plan skip_all => 'redis-server is not installed (scripts/setup-deps test)'
    unless SIOTest::Redis::available();
plan skip_all => 'built without the Redis store (configure --without-redis)'
    unless read_file("$ENV{SIO_MODULES_DIR}/mod_session_store.so")
           =~ /SessionStoreRedisServer/;

my $redis = SIOTest::Redis->new(name => 'admin');
$redis->start or BAIL_OUT('redis-server did not start: ' . $redis->log);
my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');

my $conf = $redis->store_conf . <<"CONF";
SessionStoreSecret "redis admin.t: both servers sign with this, 40+ chars"
SessionStoreRealm redis-admin
SessionStoreIdleTimeout 60
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /session-admin>
    SetHandler session-store-admin
    Require ip 127.0.0.1
</Location>
<Location /session-status>
    SetHandler session-store-status
    Require ip 127.0.0.1
</Location>
<Location /whoami>
    SetHandler session-store-whoami
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
CONF
my $a = SIOTest::Server->new(name => 'redis-admin-a', conf => $conf);
my $b = SIOTest::Server->new(name => 'redis-admin-b', conf => $conf);
ok $a->start, 'server A starts on Redis' or diag $a->start_output;
ok $b->start, 'server B too' or diag $b->start_output;
my ($pa, $pb) = ($a->port, $b->port);

sub admin {
    my ($port, %a) = @_;
    my $res = http(method => defined $a{form} ? 'POST' : 'GET',
                   path => '/session-admin' . ($a{query} // ''), port => $port,
                   headers => [['Accept', 'application/json'],
                               defined $a{form}
                               ? (['Content-Type', 'application/x-www-form-urlencoded'])
                               : ()],
                   body => $a{form});
    $res->{json} = decode_json($res->{body});
    return $res;
}

sub passes {
    my ($cookie, $port) = @_;
    return sio_get($cookie, marker('radm'), port => $port)->{status} == 200;
}

my @alice = (login_cookie('alice', 'wonderland', port => $pa),
             login_cookie('alice', 'wonderland', port => $pb));
my $bob = login_cookie('bob', 'builder', port => $pb);

# ---- either server lists what both made
{
    my $res = admin($pb);
    is $res->{status}, 200, 'B: the users';
    is_deeply $res->{json}{users},
        [ { user => 'alice', sessions => 2 }, { user => 'bob', sessions => 1 } ],
        'alice with the sessions of A and B, bob';
    $res = admin($pa, query => '?limit=1');
    is_deeply [map { $_->{user} } @{ $res->{json}{users} }], ['alice'], 'A: a page of one';
    is $res->{json}{next}, 'alice', 'with the cursor of the next';
    $res = admin($pa, query => '?limit=1&after=alice');
    is_deeply [map { $_->{user} } @{ $res->{json}{users} }], ['bob'], 'then bob';
    is $res->{json}{next}, undef, 'the last page';

    $res = admin($pa, query => '?user=alice');
    is_deeply [sort map { $_->{handle} } @{ $res->{json}{sessions} }],
        [sort map { handle_of(sid_of($_)) } @alice],
        "A: alice's two sessions by handle";
    my $sids = join '|', map { sid_of($_) } @alice;
    unlike $res->{body}, qr/$sids/, 'no id in the answer';
}

# ---- revoking on one server ends the session on the other
{
    my $h = handle_of(sid_of($alice[0]));
    my $res = admin($pb, form => "action=revoke&handle=$h");
    is_deeply $res->{json}, { revoked => 1 }, 'B revokes, by handle, the session made on A';
    ok !passes($alice[0], $pa), 'A refuses it';
    ok passes($alice[1], $pa), "alice's other session passes on A";
    $res = admin($pa, form => 'action=revoke&user=alice');
    is_deeply $res->{json}, { revoked => 1 }, 'A revokes the rest of alice';
    ok !passes($alice[1], $pb), 'B refuses it';
    ok passes($bob, $pa), 'bob passes on both';
    like $b->error_log, qr/revoked session \Q$h\E of user alice \(session-store-admin, by -\)/,
        'logged on B with the user (by -: no authentication in front)';
    is_deeply [map { $_->{user} } @{ admin($pb)->{json}{users} }], ['bob'],
        'alice is gone from the listing';
}

# ---- whoami reads without sliding the TTL
{
    my $c = login_cookie('bob', 'builder', port => $pa);
    my $key = 'sess:' . sid_of($c);
    sleep 2.5;
    my $res = http(path => '/whoami', port => $pb, headers => [['Cookie', $c]]);
    is decode_json($res->{body})->{user}, 'bob', 'whoami on B: bob';
    my $pttl = $redis->cli('PTTL', $key);
    cmp_ok $pttl, '<', 58000, "the TTL ran on ($pttl ms of 60000 left)";
    ok passes($c, $pb), 'a socket request on B';
    cmp_ok $redis->cli('PTTL', $key), '>', 58000, 'slides it (so whoami would have)';
}

# ---- the Prometheus answer with Redis
SKIP: {
    skip 'no prometheus_client', 9 unless SIOTest::Metrics::available();
    my $m = SIOTest::Metrics::scrape(port => $pa);
    is SIOTest::Metrics::value($m, 'session_store_up', backend => 'redis'), 1,
        'up, backend redis';
    my $hist = $m->{session_store_redis_roundtrip_seconds};
    is $hist && $hist->{type}, 'histogram', 'the round-trip histogram';
    my $count = SIOTest::Metrics::value($m, 'session_store_redis_roundtrip_seconds_count');
    cmp_ok $count, '>', 0, "round trips counted ($count)";
    is SIOTest::Metrics::value($m, 'session_store_redis_roundtrip_seconds_bucket',
                               le => '+Inf'), $count, '+Inf holds them all';
    ok !defined SIOTest::Metrics::value($m, 'session_store_sessions'),
        'no session count: Redis keeps none';
    is SIOTest::Metrics::value($m, 'session_store_revocations_total'), 1,
        'A revoked one session';

    $redis->stop;
    my $res = http(path => '/session-status?format=prometheus', port => $pa);
    is $res->{status}, 200, 'Redis down: the counters still answer';
    ($m) = SIOTest::Metrics::parse($res->{body});
    is SIOTest::Metrics::value($m, 'session_store_up', backend => 'redis'), 0,
        'session_store_up 0';
    cmp_ok SIOTest::Metrics::value($m, 'session_store_errors_total'), '>', 0,
        'a store error counted';
}
is admin($pa)->{status}, 503, 'Redis down: the admin listing is 503';
is admin($pa, form => 'action=revoke&user=bob')->{status}, 503, 'and a revocation';

$a->stop;
$b->stop;
done_testing;
