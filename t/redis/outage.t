# Redis down, hung (SIGSTOP) or refusing the password: logins, handshakes
# and logouts get 503 within about SessionStoreRedisTimeout (never a pass,
# never a pile-up of workers), one error-log line per outage, and service
# back without restarting httpd once Redis is back.  Generous bounds: the
# machine is shared; no timing is measured finer than a second.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);
use SIOTest;
use SIOTest::Server;
use SIOTest::Redis;

plan skip_all => 'redis-server is not installed (scripts/setup-deps test)'
    unless SIOTest::Redis::available();

my $redis = SIOTest::Redis->new(name => 'outage');
$redis->start or BAIL_OUT('redis-server did not start: ' . $redis->log);
my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');

my $conf = $redis->store_conf . <<"CONF";
SessionStoreRedisTimeout 200
SessionStoreSecret "redis outage.t: the secret of this server alone"
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /logout>
    SetHandler session-store-logout
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
CONF
my $srv = SIOTest::Server->new(name => 'redis-outage', conf => $conf);
ok $srv->start, 'server starts' or diag $srv->start_output;
my $port = $srv->port;

sub outage_lines { count_lines($srv->error_log, qr/Redis at .* cannot be used/) }
sub back_lines { count_lines($srv->error_log, qr/Redis at \S+ answers again; sessions are served/) }

# Each of the three kinds of request, answered 503 quickly.
sub all_refused {
    my ($what, $cookie) = @_;
    my $t0 = time;
    my $m = marker('down');
    refused_ok(sio_get($cookie, $m, port => $port), 503,
               'Session store unavailable', $m, "$what: a handshake");
    my $login = login('alice', 'wonderland', port => $port, accept => 'application/json');
    is $login->{status}, 503, "$what: a login gets 503";
    ok !grep({ /express\.sid=[^;]/ } set_cookies($login)), "$what: and no cookie";
    my $out = http(path => '/logout', port => $port,
                   headers => [['Cookie', $cookie], ['Accept', 'application/json']]);
    is $out->{status}, 503, "$what: a logout gets 503";
    like $out->{body}, qr/Logout failed/, "$what: saying it failed";
    ok !grep({ /Max-Age=0/ } set_cookies($out)), "$what: and keeps the cookie";
    my $took = time - $t0;
    ok $took < 5, sprintf('%s: the three answered in %.2f s', $what, $took);
}

my $alice = login_cookie('alice', 'wonderland', port => $port);
is sio_get($alice, marker(), port => $port)->{status}, 200, 'a session works';

# ---- down
$redis->stop;
all_refused('Redis stopped', $alice);
is http(path => '/session-status', port => $port)->{status}, 503,
    'the status page answers 503 too';
all_refused('Redis still stopped', $alice);
is outage_lines(), 1, 'one error-log line for the whole outage';

# ---- back, on the same socket (empty: no persistence in this test)
$redis->start or BAIL_OUT('redis-server did not start again');
my $fresh = wait_until(sub {
    my $r = login('alice', 'wonderland', port => $port, accept => 'application/json');
    return $r->{status} == 200 ? $r : undef;
}, 10);
ok $fresh, 'Redis back: logins work again, without restarting httpd';
$alice = login_cookie('alice', 'wonderland', port => $port);
is sio_get($alice, marker(), port => $port)->{status}, 200, 'and handshakes';
is back_lines(), 1, 'logged once that it answers again';

# ---- hung: SIGSTOP.  Twelve clients at once must all get their 503
# quickly: the breaker makes all but one fail at once.
$redis->pause;
{
    my $t0 = time;
    my @kids;
    for my $i (1 .. 12) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my $res = sio_get($alice, marker("hung$i"), port => $port, timeout => 20);
            POSIX::_exit($res->{status} == 503 ? 0 : 1);
        }
        push @kids, $pid;
    }
    my $bad = 0;
    for (@kids) { waitpid($_, 0); $bad++ if $? != 0 }
    my $took = time - $t0;
    is $bad, 0, 'Redis hung: twelve parallel handshakes all get 503';
    ok $took < 8, sprintf('in %.2f s all together (no pile-up)', $took);
    all_refused('Redis hung', $alice);
}
$redis->resume;
ok wait_until(sub { sio_get($alice, marker(), port => $port)->{status} == 200 }, 10),
    'Redis resumed: the session works again';
is outage_lines(), 2, 'the second outage: one more line';

# ---- a wrong password: refused, logged once, saying so
$redis->write_auth_file('not-the-password');
$srv->stop;
ok $srv->start, 'server restarted with a wrong password' or diag $srv->start_output;
for (1 .. 3) {
    is login('alice', 'wonderland', port => $port, accept => 'application/json')->{status},
        503, "wrong password: login $_ gets 503";
}
my $m = marker('wrongpass');
refused_ok(sio_get($alice, $m, port => $port), 503, 'Session store unavailable',
           $m, 'wrong password: a handshake');
is count_lines($srv->error_log, qr/cannot be used \(AUTH with .* refused: WRONGPASS/), 1,
    'one line, naming the password file and Redis\'s answer';

ok $srv->error_log !~ /exit signal|AH00052|Segmentation/, 'no child died';
$srv->stop;
$redis->stop;
done_testing;
