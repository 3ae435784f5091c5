# The status handler in Prometheus's text format (?format=prometheus, or
# what Prometheus sends in Accept), read by Prometheus's own parser: the
# families and their types, and counters that move by exactly what the
# requests made here did (refusals of AuthType SocketIO by reason and
# status, lookups by outcome, logins and failures).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;
use SIOTest::Metrics;

plan skip_all => '/usr/bin/python3 with prometheus_client is needed '
    . '(Debian: python3-prometheus-client; scripts/setup-deps test)'
    unless SIOTest::Metrics::available();

my $PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,'
    . 'application/openmetrics-text;version=0.0.1;q=0.75,'
    . 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

sub value { SIOTest::Metrics::value(@_) }

# ---- the answer itself
{
    my $res = http(path => '/session-status?format=prometheus');
    is $res->{status}, 200, '?format=prometheus: 200';
    like header_value($res, 'Content-Type'),
        qr{^text/plain; version=0\.0\.4; charset=utf-8$}, 'the text format 0.0.4';
    is header_value($res, 'Cache-Control'), 'no-store', 'never cached';
    my ($m, $why) = SIOTest::Metrics::parse($res->{body});
    ok $m, 'prometheus_client parses it' or diag $why;
    my %types = (
        session_store_up => 'gauge',
        session_store_sessions => 'gauge',
        session_store_capacity => 'gauge',
        session_store_logins => 'counter',
        session_store_login_failures => 'counter',
        session_store_logins_throttled => 'counter',
        session_store_lookups => 'counter',
        session_store_lookup_hits => 'counter',
        session_store_lookup_misses => 'counter',
        session_store_expired => 'counter',
        session_store_evictions => 'counter',
        session_store_destroyed => 'counter',
        session_store_revocations => 'counter',
        session_store_adoptions => 'counter',
        session_store_errors => 'counter',
        session_store_lock_repairs => 'counter',
        socketio_auth_refusals => 'counter',
    );
    for my $name (sort keys %types) {
        is $m->{$name}{type}, $types{$name}, "$name: a $types{$name}";
        ok length($m->{$name}{help} // ''), "$name: with HELP";
    }
    is value($m, 'session_store_up', backend => 'shm'), 1, 'the shm store is up';
    is value($m, 'session_store_capacity'), 50, 'capacity: SessionStoreCapacity';
    ok !$m->{session_store_redis_roundtrip_seconds}, 'no Redis histogram without Redis';
    for my $reason (qw(no_cookie malformed bad_signature not_found expired
                       other_realm unavailable)) {
        ok defined value($m, 'session_store_lookup_misses_total', reason => $reason),
            "a miss series for $reason, even at 0";
    }
    my $lookups = value($m, 'session_store_lookups_total');
    my $sum = value($m, 'session_store_lookup_hits_total');
    $sum += $_->[2] for @{ $m->{session_store_lookup_misses}{samples} };
    is $sum, $lookups, 'lookups = hits + misses';
}

# ---- content negotiation
{
    my $res = http(path => '/session-status',
                   headers => [['Accept', $PROMETHEUS_ACCEPT]]);
    like header_value($res, 'Content-Type'), qr{^text/plain; version=0\.0\.4},
        "Prometheus's own Accept gets the text format";
    ok +(SIOTest::Metrics::parse($res->{body}))[0], 'and it parses';
    $res = http(path => '/session-status', headers => [['Accept', 'text/plain']]);
    like header_value($res, 'Content-Type'), qr{^application/json},
        'text/plain without version=0.0.4: JSON as before';
    $res = http(path => '/session-status',
                headers => [['Accept', 'text/plain;version=0.0.4;q=0']]);
    like header_value($res, 'Content-Type'), qr{^application/json}, 'q=0: not that';
    $res = http(path => '/session-status',
                headers => [['Accept', 'text/html']]);
    like header_value($res, 'Content-Type'), qr{^text/html}, 'a browser: the table';
    $res = http(path => '/session-status?format=json',
                headers => [['Accept', $PROMETHEUS_ACCEPT]]);
    like header_value($res, 'Content-Type'), qr{^application/json},
        '?format= other than prometheus wins over Accept';
    $res = http(path => '/session-status?format=prometheus', method => 'POST',
                body => '');
    is $res->{status}, 405, 'POST: 405';
}

# ---- counters move by what was done
{
    my $before = SIOTest::Metrics::scrape();
    my $alice = login_cookie('alice', 'wonderland');
    my $m = marker('metrics');
    is sio_get(undef, "$m-1")->{status}, 401, 'no cookie: 401';
    is sio_get(undef, "$m-2")->{status}, 401, 'no cookie again: 401';
    is sio_get(cookie_header('not the secret', random_sid()), "$m-3")->{status},
        401, 'a forged signature: 401';
    is sio_get(cookie_header(SECRET_OLD, random_sid()), "$m-4")->{status},
        401, 'signed, no such session: 401';
    is sio_get(undef, "$m-5", path => '/fail403/')->{status}, 403,
        'SocketIOAuthFailStatus 403';
    is http(path => "/app/x?t=$m-6", headers => [['Accept', 'text/html']])->{status},
        302, 'a navigating browser is sent to the login';
    is sio_get($alice, "$m-7")->{status}, 200, 'alice passes';
    is sio_get($alice, "$m-8", path => '/only-bob/')->{status}, 403,
        'Require user bob refuses alice: 403 (AuthzSendForbiddenOnFailure)';
    is sio_get($alice, "$m-9", path => '/bob-default/')->{status}, 401,
        'and 401 by default';
    is login('alice', 'not her password')->{status}, 401, 'a failed login';
    my $after = SIOTest::Metrics::scrape();

    my $delta = sub {
        my ($name, %labels) = @_;
        return (value($after, $name, %labels) // 0)
             - (value($before, $name, %labels) // 0);
    };
    my @expect = (
        [2, reason => 'no_cookie', status => '401'],
        [1, reason => 'no_cookie', status => '403'],
        [1, reason => 'no_cookie', status => '302'],
        [1, reason => 'bad_signature', status => '401'],
        [1, reason => 'not_found', status => '401'],
        [1, reason => 'not_authorized', status => '403'],
        [1, reason => 'not_authorized', status => '401'],
    );
    for my $e (@expect) {
        my ($n, %labels) = @$e;
        is $delta->('socketio_auth_refusals_total', %labels), $n,
            "refusals {reason=$labels{reason}, status=$labels{status}} +$n";
    }
    is $delta->('session_store_lookup_misses_total', reason => 'no_cookie'), 5,
        'lookup misses for no cookie: the four refusals and the login (a failed '
        . 'login looks nothing up)';
    is $delta->('session_store_lookup_misses_total', reason => 'bad_signature'), 1,
        'a bad signature';
    is $delta->('session_store_lookup_misses_total', reason => 'not_found'), 1,
        'no such session';
    is $delta->('session_store_lookup_hits_total'), 3, 'hits: alice three times';
    is $delta->('session_store_lookups_total'), 10, 'every lookup counted once';
    is $delta->('session_store_logins_total'), 1, 'one login';
    is $delta->('session_store_login_failures_total'), 1, 'one failure';
    is $delta->('session_store_sessions'), 1, 'one more session'
        if value($before, 'session_store_sessions') < 50;
    is $delta->('session_store_errors_total'), 0, 'no store error';
}

# ---- a throttled login (/throttled-login: 3 failures per user name)
{
    my $before = SIOTest::Metrics::scrape();
    my $who = marker('nobody');
    my @status = map { login($who, 'wrong', path => '/throttled-login')->{status} } 1 .. 4;
    is_deeply \@status, [401, 401, 401, 429], 'three failures, then 429';
    my $after = SIOTest::Metrics::scrape();
    is value($after, 'session_store_logins_throttled_total')
       - value($before, 'session_store_logins_throttled_total'), 1, 'one throttled login';
    is value($after, 'session_store_login_failures_total')
       - value($before, 'session_store_login_failures_total'), 4,
        'and four failures: the throttled one is one too';
}

ok server_alive(), 'the server is still fine';
done_testing;
