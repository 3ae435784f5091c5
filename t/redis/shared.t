# Two httpd servers sharing sessions through one Redis (SessionStoreBackend
# redis), stored as connect-redis stores them: log in on A, sockets on B,
# log out on B, refused on A; realms, secret rotation, counters, revoking
# a user on one server ends the sessions made on both; sessions another
# application wrote, and hostile values, each with its documented answer.
# A private redis-server (t/lib/SIOTest/Redis.pm), never the system's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Copy qw(copy);
use File::Spec::Functions qw(catfile);
use JSON::PP ();
use SIOTest;
use SIOTest::Server;
use SIOTest::Redis;

plan skip_all => 'redis-server is not installed (scripts/setup-deps test)'
    unless SIOTest::Redis::available();

my $redis = SIOTest::Redis->new(name => 'shared');
$redis->start or BAIL_OUT('redis-server did not start: ' . $redis->log);

# The test's own module that calls session_store_destroy_user.
my $probe_dir = catfile(test_var('t_logs'), 'revoke-probe');
mkdir $probe_dir;
copy("$FindBin::Bin/mod_revoke_probe.c", $probe_dir) or die $!;
my $apxs = $ENV{APXS} || 'apxs';
my $top = test_var('top_dir');
system("cd '$probe_dir' && '$apxs' -I'$top' -c mod_revoke_probe.c >build.log 2>&1") == 0
    or BAIL_OUT('apxs could not build mod_revoke_probe.c: '
                . read_file("$probe_dir/build.log"));
my $probe = "$probe_dir/.libs/mod_revoke_probe.so";

my $OLD = 'redis shared.t: the OLD secret, both servers verify it';
my $NEW = 'redis shared.t: the NEW secret, B signs with it';
my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');

sub conf {
    my ($secrets) = @_;
    return $redis->store_conf . <<"CONF";
LoadModule revoke_probe_module "$probe"
SessionStoreSecret $secrets
SessionStoreRealm redis-test
SessionStoreIdleTimeout 30
SessionStoreMaxAge 3600
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
<Location /revoke-probe>
    SetHandler revoke-probe
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
<Location /other-realm/>
    AuthType SocketIO
    SessionStoreRealm another-app
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/other-realm/
</Location>
CONF
}

my $a = SIOTest::Server->new(name => 'redis-a', conf => conf("\"$OLD\""));
my $b = SIOTest::Server->new(name => 'redis-b', conf => conf("\"$NEW\" \"$OLD\""));
ok $a->start, 'server A starts with SessionStoreBackend redis' or diag $a->start_output;
ok $b->start, 'server B too' or diag $b->start_output;
my ($pa, $pb) = ($a->port, $b->port);

sub as_user {
    my ($res, $marker) = @_;
    my ($rec) = backend_requests($marker);
    return $rec ? join(',', backend_headers($rec, 'X-Socketio-User')) : '(not proxied)';
}

# ---- A login on A is a session on B, stored as connect-redis stores it
my $alice = login_cookie('alice', 'wonderland', port => $pa);
my $sid = SIOTest::Redis::sid_of($alice);
ok $sid, 'the login cookie carries an id';
my $json = decode_json($redis->cli('GET', "sess:$sid"));
ok $json, 'the session is at sess:<id>, JSON';
is $json->{passport}{user}, 'alice', 'the user at passport.user';
is ref $json->{cookie}, 'HASH', 'with a cookie object (express-session needs one)';
is $json->{cookie}{originalMaxAge}, 30000, 'cookie.originalMaxAge: the idle timeout';
like $json->{cookie}{expires}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    'cookie.expires: an ISO date, as Date#toJSON';
is $json->{cookie}{path}, '/', 'cookie.path';
ok $json->{cookie}{httpOnly}, 'cookie.httpOnly';
like $json->{httpd}{realm} // '', qr/^[0-9a-f]{32}$/, 'httpd.realm: our own field';
my $ttl = $redis->cli('TTL', "sess:$sid");
ok $ttl >= 28 && $ttl <= 30, "TTL = the idle timeout ($ttl)";
like $redis->cli('ZRANGE', 'sessidx:sess:user:alice', 0, -1), qr/\Q$sid\E/,
    'indexed under sessidx:, outside the session prefix';

{
    my $m = marker('b-poll');
    my $res = sio_get($alice, $m, port => $pb);
    is $res->{status}, 200, 'B: a polling handshake with A\'s cookie passes';
    is as_user($res, $m), 'alice', 'B: as alice';
    $m = marker('b-ws');
    my $ws = ws_connect(cookie => $alice, marker => $m, port => $pb);
    is $ws->{status}, 101, 'B: a WebSocket upgrade too';
    is header_value($ws, 'X-Echo-Socketio-User'), 'alice', 'B: as alice';
    close $ws->{sock} if $ws->{sock};
}

# ---- touching slides the idle time (and only a lookup that passes does)
$redis->cli('PEXPIRE', "sess:$sid", 10000);
{
    my $m = marker('other-realm');
    my $res = sio_get($alice, $m, port => $pb, path => '/other-realm/');
    is $res->{status}, 401, 'another realm refuses the session';
    my $left = $redis->cli('PTTL', "sess:$sid");
    ok $left <= 10000, "and does not refresh it ($left ms left)";
}
is sio_get($alice, marker(), port => $pa)->{status}, 200, 'a handshake on A';
{
    my $left = $redis->cli('PTTL', "sess:$sid");
    ok $left > 28000, "refreshes its idle time ($left ms left)";
}

# ---- logout on B ends it on A
{
    my $res = http(path => '/logout', port => $pb,
                   headers => [['Cookie', $alice], ['Accept', 'application/json']]);
    is $res->{status}, 200, 'logout on B';
    is decode_json($res->{body})->{message}, 'Logged out', 'says so';
    is $redis->cli('EXISTS', "sess:$sid"), '0', 'the key is gone';
    my $m = marker('after-logout');
    refused_ok(sio_get($alice, $m, port => $pa), 401, 'No session found', $m,
               'A after the logout on B');
}

# ---- secret rotation across servers: B signs with NEW, A knows only OLD
{
    my $c = login_cookie('bob', 'builder', port => $pb);
    is sio_get($c, marker(), port => $pb)->{status}, 200, 'B: its own cookie (NEW)';
    my $m = marker('rotation');
    refused_ok(sio_get($c, $m, port => $pa), 401, 'Bad signature', $m,
               'A does not know the NEW secret yet');
    my $c2 = login_cookie('bob', 'builder', port => $pa);
    is sio_get($c2, marker(), port => $pb)->{status}, 200,
        'B still verifies the OLD secret A signs with';
}

# ---- revoking a user on A ends the user's sessions made on A and on B
{
    my @c = (login_cookie('bob', 'builder', port => $pa),
             login_cookie('bob', 'builder', port => $pb));
    my $alice2 = login_cookie('alice', 'wonderland', port => $pb);
    my $res = http(path => '/revoke-probe?user=bob', port => $pa);
    is $res->{status}, 200, 'destroy_user for bob on A';
    my $n = (decode_json($res->{body}) || {})->{revoked} // -1;
    ok $n >= 2, "ended bob's sessions of both servers ($n)";
    # B verifies both secrets.
    for my $i (0, 1) {
        my $m = marker("revoked-$i");
        refused_ok(sio_get($c[$i], $m, port => $pb), 401, 'No session found',
                   $m, "bob's session from server " . ($i ? 'B' : 'A')
                   . ' after the revoke');
    }
    is sio_get($alice2, marker(), port => $pb)->{status}, 200, 'alice keeps hers';
    is $redis->cli('ZCARD', 'sessidx:sess:user:bob'), '0', 'bob\'s index is empty';
}

# ---- counters (per server)
{
    my $st = status_json(port => $pa);
    is $st->{backend}, 'redis', 'status names the backend';
    ok $st->{logins} >= 3 && $st->{hits} >= 1 && $st->{misses} >= 1,
        "A's counters: logins $st->{logins}, hits $st->{hits}, misses $st->{misses}";
}

# ---- sessions another application wrote (express-session + connect-redis)
sub foreign {
    my ($value, %a) = @_;
    my $id = random_sid();
    $redis->cli('SET', "sess:$id", $value, 'EX', 60);
    return ($id, cookie_header($OLD, $id));
}

sub express_json {
    my ($user) = @_;
    return JSON::PP->new->canonical->encode({
        cookie => { originalMaxAge => undef, expires => undef,
                    httpOnly => JSON::PP::true, path => '/' },
        passport => { user => $user } });
}

{
    my ($id, $c) = foreign(express_json('carol'));
    my $m = marker('foreign');
    my $res = sio_get($c, $m, port => $pa);
    is $res->{status}, 200, 'a session express wrote passes (SessionStoreRedisForeign accept)';
    is as_user($res, $m), 'carol', 'as its passport.user';
    like $redis->cli('ZRANGE', 'sessidx:sess:user:carol', 0, -1), qr/\Q$id\E/,
        'and joins carol\'s index, for revoking';
    ($id, $c) = foreign('{"cookie":{"originalMaxAge":null},"passport":{"user":0}}');
    $m = marker('zero');
    $res = sio_get($c, $m, port => $pa);
    is $res->{status}, 200, 'passport.user 0 is a user (passport: su || su === 0)';
    is as_user($res, $m), '0', 'named "0"';
}

my @hostile = (
    ['passport.user false', '{"cookie":{},"passport":{"user":false}}'],
    ['passport.user ""', '{"cookie":{},"passport":{"user":""}}'],
    ['no passport (logged out in express)', '{"cookie":{}}'],
    ['passport.user an object', '{"cookie":{},"passport":{"user":{"id":7}}}'],
    ['passport.user true', '{"cookie":{},"passport":{"user":true}}'],
    ['passport.user a fraction', '{"cookie":{},"passport":{"user":1.5}}'],
    ['a user with a newline', '{"cookie":{},"passport":{"user":"a\\nb"}}'],
    ['not JSON', 'hello'],
    ['a JSON array', '["alice"]'],
    ['truncated JSON', '{"passport":{"user":"alice"}'],
    ['duplicate keys', '{"passport":{"user":"alice"},"passport":{"user":"bob"}}'],
    ['a forged httpd object', '{"passport":{"user":"alice"},"httpd":{"v":1}}'],
    ['70 KB', '{"passport":{"user":"alice"},"pad":"' . ('x' x 70000) . '"}'],
);
for my $h (@hostile) {
    my ($what, $value) = @$h;
    my (undef, $c) = foreign($value);
    my $m = marker('hostile');
    refused_ok(sio_get($c, $m, port => $pa), 401, 'No session found', $m,
               "a stored session with $what");
}
{
    my $id = random_sid();
    $redis->cli('RPUSH', "sess:$id", 'alice');
    my $m = marker('wrongtype');
    refused_ok(sio_get(cookie_header($OLD, $id), $m, port => $pa), 401,
               'No session found', $m, 'a list under sess:<id> (WRONGTYPE)');
}
like $a->error_log, qr/in Redis is refused: the user is not a name: the user is an object.*SessionStoreRedisUserPath/,
    'an object user is logged, naming the directive';
like $a->error_log, qr/in Redis is refused: too large/, 'an oversized value is logged';
unlike $a->error_log, qr/\Q$sid\E/, 'no session id in the error log';

# ---- max age: a session httpd made ends at created + SessionStoreMaxAge
{
    my $c = login_cookie('alice', 'wonderland', port => $pa);
    my $id = SIOTest::Redis::sid_of($c);
    my $v = decode_json($redis->cli('GET', "sess:$id"));
    $v->{httpd}{created} -= 3598 * 1000;     # 2 s of its 3600 left
    $redis->cli('SET', "sess:$id", JSON::PP->new->encode($v), 'KEEPTTL');
    $redis->cli('PEXPIRE', "sess:$id", 1000);
    is sio_get($c, marker(), port => $pb)->{status}, 200, 'near its max age: passes';
    my $left = $redis->cli('PTTL', "sess:$id");
    ok $left > 0 && $left <= 2000, "its TTL is capped by the max age ($left ms)";
    $v->{httpd}{created} -= 10 * 1000;
    $redis->cli('SET', "sess:$id", JSON::PP->new->encode($v), 'EX', 60);
    my $m = marker('max-age');
    refused_ok(sio_get($c, $m, port => $pa), 401, 'Session expired', $m,
               'past its max age');
    is $redis->cli('EXISTS', "sess:$id"), '0', 'and deleted';
}

ok !grep({ $_->error_log =~ /exit signal|AH00052|Segmentation/ } $a, $b),
    'no child died';
$a->stop;
$b->stop;
$redis->stop;
done_testing;
