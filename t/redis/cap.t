# SessionStoreMaxPerUser with the Redis store: a login beyond the cap ends
# that user's least recently used session, made on any server, and never
# another user's.  Skipped while this build has no SessionStoreMaxPerUser
# (the directive and the create policy's max_per_user come with the
# security review's fixes).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use SIOTest;
use SIOTest::Server;
use SIOTest::Redis;

plan skip_all => 'redis-server is not installed (scripts/setup-deps test)'
    unless SIOTest::Redis::available();

my $redis = SIOTest::Redis->new(name => 'cap');
$redis->start or BAIL_OUT('redis-server did not start: ' . $redis->log);
my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');
my $conf = $redis->store_conf . <<"CONF";
SessionStoreMaxPerUser 2
SessionStoreSecret "redis cap.t: the secret both servers share"
SessionStoreRealm cap-test
SessionStoreIdleTimeout 30
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/
</Location>
CONF
my $a = SIOTest::Server->new(name => 'redis-cap-a', conf => $conf);
unless ($a->start) {
    plan skip_all => 'SessionStoreMaxPerUser is not in this build'
        if $a->start_output =~ /Invalid command 'SessionStoreMaxPerUser'/;
    BAIL_OUT('server did not start: ' . $a->start_output);
}
my $b = SIOTest::Server->new(name => 'redis-cap-b', conf => $conf);
ok $b->start, 'two servers with SessionStoreMaxPerUser 2' or diag $b->start_output;
my ($pa, $pb) = ($a->port, $b->port);
my $works = sub { sio_get($_[0], marker(), port => $_[1] // $pa)->{status} == 200 };

my $bob = login_cookie('bob', 'builder', port => $pa);
my $c1 = login_cookie('alice', 'wonderland', port => $pa);
my $c2 = login_cookie('alice', 'wonderland', port => $pb);
ok $works->($c1) && $works->($c2), 'two sessions of alice, one on each server';
# Used again more than a second later: c1 is now the more recently used.
sleep 1.5;
ok $works->($c1, $pb), 'alice\'s first session used again';
my $c3 = login_cookie('alice', 'wonderland', port => $pa);
ok $works->($c3), 'a third login passes';
ok !$works->($c2), 'and ends her least recently used session (made on B)';
ok $works->($c1, $pb), 'the one used since stays';
ok $works->($bob, $pb), 'bob\'s session is never ended for alice';
is $redis->cli('ZCARD', 'sessidx:sess:user:alice'), '2', 'her index holds two';
my $st = status_json(port => $pa);
ok(($st->{evictions} // 0) >= 1, 'counted as an eviction');

$a->stop;
$b->stop;
$redis->stop;
done_testing;
