# SessionStoreCapacity: the suite's server holds 50 sessions (global
# setting, t/conf/extra.conf.in).  Sixty logins, of two users (each stays
# under SessionStoreMaxPerUser's default of 32), evict the least recently
# used: the first ones are gone, the status counts the evictions, the
# error log says to raise SessionStoreCapacity.  SessionStoreMaxPerUser
# gets a server of its own: one account logging in again and again ends
# only its own sessions, never another user's.  SessionStoreWhenFull
# refuse, a global setting too, gets an httpd of its own: the login that
# does not fit is refused with 503 and nobody's session is dropped.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use SIOTest;
use SIOTest::Server;

# ---- evict (the default) on the suite's server ----
{
    my $before = status_json();
    is $before->{capacity}, 50, 'the suite\'s store holds 50 sessions';
    my $log_before = count_lines(error_log(), qr/full \(50 sessions\); evicted the least recently used session/);
    my @cookies = map { $_ % 2 ? login_cookie('alice', 'wonderland', accept => 'application/json')
                               : login_cookie('bob', 'builder', accept => 'application/json') } 1 .. 60;
    my $after = status_json();
    is $after->{sessions}, 50, 'after 60 logins the store is full: 50 sessions';
    my $evicted = $after->{evictions} - $before->{evictions};
    ok $evicted >= 10 && $evicted <= $before->{sessions} + 10,
        "the status counts the evictions (10 or more, as many as did not fit: $evicted)";
    for my $i (0 .. 9) {
        my $m = marker();
        refused_ok(sio_get($cookies[$i], $m), 401, 'No session found', $m,
                   'login ' . ($i + 1) . ' of 60 was evicted');
    }
    is_deeply [map { sio_get($cookies[$_], marker())->{status} } 10 .. 59], [(200) x 50],
        'the last 50 logins all still work';
    ok wait_until(sub { count_lines(error_log(), qr/full \(50 sessions\); evicted the least recently used session \(user (?:alice|bob)\) to make room\. Raise SessionStoreCapacity\./) - $log_before >= 10 }, 5),
        'the error log says a session was evicted and to raise SessionStoreCapacity, once per eviction';
    ok status_json(check => 1)->{consistent}, 'status?check: consistent after the evictions';
}

# ---- SessionStoreWhenFull refuse, on a server of its own ----
{
    my $srv = SIOTest::Server->new(name => 'refuse', conf => <<'CONF');
SessionStoreSecret "capacity.t: the secret of this server alone, 40+ chars"
SessionStoreCapacity 3
SessionStoreWhenFull refuse
AliasMatch "^/socket\.io/" "@dir@/handshake.txt"
<Directory "@dir@">
    Require all granted
</Directory>
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
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
</Location>
CONF
    open my $fh, '>', catfile($srv->dir, 'handshake.txt') or die $!;
    print $fh qq(0{"sid":"static"}\n);
    close $fh;
    ok $srv->start, 'SessionStoreWhenFull refuse: httpd starts' or diag $srv->start_output;
    my $port = $srv->port;
    my @cookies = map { login_cookie('alice', 'wonderland', port => $port,
                                     accept => 'application/json') } 1 .. 3;
    is scalar(@cookies), 3, 'three logins fill the store of 3';
    my $res = login('bob', 'builder', port => $port, accept => 'application/json');
    is $res->{status}, 503, 'the fourth login: 503';
    like((decode_json($res->{body}) || {})->{message} // '', qr/^Cannot create a session/,
         'the fourth login: {"message":"Cannot create a session: ..."}');
    is scalar(set_cookies($res)), 0, 'the fourth login: no cookie';
    is_deeply [map { sio_get($_, marker(), port => $port)->{status} } @cookies], [200, 200, 200],
        'the three sessions were kept';
    my $st = status_json(port => $port, check => 1);
    is_deeply [@{$st}{qw(sessions evictions)}], [3, 0], 'status: 3 sessions, no eviction';
    ok $st->{consistent}, 'status?check: consistent';
    like $srv->error_log, qr/full \(3 sessions\), login of bob refused \(SessionStoreWhenFull refuse\)\. Raise SessionStoreCapacity\./,
        'the error log says why and to raise SessionStoreCapacity';
    is http(path => '/logout', port => $port, headers => [['Cookie', $cookies[0]]])->{status},
        200, 'one logout';
    is login('bob', 'builder', port => $port, accept => 'application/json')->{status}, 200,
        'frees room for the next login';
    $srv->stop;
}

# ---- SessionStoreMaxPerUser, on a server of its own ----
{
    my $srv = SIOTest::Server->new(name => 'peruser', conf => <<'CONF');
SessionStoreSecret "capacity.t: the per-user server's own secret, 40+ chars"
SessionStoreCapacity 10
SessionStoreMaxPerUser 3
AliasMatch "^/socket\.io/" "@dir@/handshake.txt"
<Directory "@dir@">
    Require all granted
</Directory>
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
</Location>
CONF
    open my $fh, '>', catfile($srv->dir, 'handshake.txt') or die $!;
    print $fh qq(0{"sid":"static"}\n);
    close $fh;
    ok $srv->start, 'SessionStoreMaxPerUser 3: httpd starts' or diag $srv->start_output;
    my $port = $srv->port;
    my @bob = map { login_cookie('bob', 'builder', port => $port, accept => 'application/json') } 1 .. 2;
    my @alice = map { login_cookie('alice', 'wonderland', port => $port,
                                   accept => 'application/json') } 1 .. 20;
    is_deeply [map { sio_get($_, marker(), port => $port)->{status} } @bob], [200, 200],
        'twenty logins of alice in a store of 10: both of bob\'s sessions stay';
    is_deeply [map { sio_get($alice[$_], marker(), port => $port)->{status} } 0 .. 19],
        [(401) x 17, (200) x 3], 'alice holds her last three sessions, the older ones ended';
    my $st = status_json(port => $port, check => 1);
    is $st->{sessions}, 5, 'status: 5 sessions (2 of bob, 3 of alice)';
    ok $st->{consistent}, 'status?check: consistent';
    is count_lines($srv->error_log, qr/user alice reached SessionStoreMaxPerUser 3; ended 1 of their own least recently used sessions/),
        17, 'the error log names the user and how many of theirs ended, once per login beyond the cap';
    unlike $srv->error_log, qr/evicted the least recently used session/, 'no other eviction';
    $srv->stop;
}

done_testing;
