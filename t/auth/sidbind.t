# Engine.IO sids bound to the session that opened them (issue #10, item
# 2; SocketIOAuthBindSid, default On).  A signed-in user who learns
# another user's Engine.IO sid (access logs hold them) tries to poll, post
# and upgrade on that socket with their own cookie: refused, never
# proxied.  t/backend/echo.pl answers the polling handshakes under /bind*
# with an open packet as engine.io does; the module reads the sid from it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $alice = login_cookie('alice', 'wonderland');
my $bob = login_cookie('bob', 'builder');

# A polling handshake: returns the sid of the open packet.
sub handshake {
    my ($cookie, %a) = @_;
    my $path = $a{path} || '/bind/';
    my $extra = $a{query} ? "&$a{query}" : '';
    my $res = http(path => "${path}?EIO=4&transport=polling&t=" . marker('hs') . $extra,
                   headers => [['Cookie', $cookie], @{ $a{headers} || [] }]);
    my ($sid) = $res->{body} =~ /"sid":"([^"]+)"/;
    return wantarray ? ($sid, $res) : $sid;
}

sub poll {
    my ($cookie, $sid, $m, %a) = @_;
    my $path = $a{path} || '/bind/';
    my $query = $a{query} // "sid=$sid";
    return http(method => $a{method} || 'GET',
                path => "${path}?EIO=4&transport=polling&t=$m&$query",
                body => $a{body},
                headers => [['Cookie', $cookie],
                            $a{body} ? ['Content-Type', 'text/plain'] : ()]);
}

my ($sid, $res) = handshake($alice);
is $res->{status}, 200, 'alice opens a socket: 200';
like $sid // '', qr/^[A-Za-z0-9_-]{20}$/, 'the open packet hands out a sid';

{
    my $m = marker();
    is poll($alice, $sid, $m)->{status}, 200, 'alice polls her socket: 200';
    ok scalar(backend_requests($m)), 'and the poll reaches the backend';
    $m = marker();
    is poll($alice, $sid, $m, method => 'POST', body => '42["hi"]')->{status}, 200,
        'alice posts on it: 200';
}

# The attack: bob names alice's sid.
{
    my $m = marker();
    refused_ok(poll($bob, $sid, $m), 403, 'Engine.IO sid of another user', $m,
               "bob polls alice's socket");
    $m = marker();
    refused_ok(poll($bob, $sid, $m, method => 'POST', body => '42["as alice"]'), 403,
               'Engine.IO sid of another user', $m, "bob posts on alice's socket");
    $m = marker('ws');
    my $ws = ws_connect(cookie => $bob, marker => "$m&sid=$sid", path => '/bind/');
    refused_ok($ws, 403, 'Engine.IO sid of another user', $m,
               "bob upgrades alice's socket");
    like error_log(), qr/user bob named the Engine\.IO sid of another user's socket/,
        'the error log names the user who tried';
}

# Another session of alice herself: the socket belongs to the session
# that opened it (and so to its realm).
{
    my $alice2 = login_cookie('alice', 'wonderland');
    my $m = marker();
    refused_ok(poll($alice2, $sid, $m), 403, 'Engine.IO sid of another session', $m,
               "alice's second session polls the first one's socket");
}

# Sids nobody bound: a websocket-first socket's (its sid only ever goes
# through the tunnel), one from before a restart, or a guess.
{
    my $m = marker();
    refused_ok(poll($alice, 'AAAAAAAAAAAAAAAAAAAA', $m), 403, 'Unknown Engine.IO sid', $m,
               'a sid nobody bound');
}

# Queries that two servers could read as different sids.
for my $q (["sid=$sid&sid=other", 'the sid twice (Node takes the last, Python the first)'],
           ["%73id=$sid", 'the key percent-encoded'],
           ["sid=$sid;x=1", "the value ending at ';'"],
           ["sid=$sid%41", 'an escape in the value']) {
    my $m = marker();
    refused_ok(poll($alice, $sid, $m, query => $q->[0]), 400, 'Ambiguous Engine.IO sid', $m,
               $q->[1]);
}

# alice upgrades her own socket.
{
    my $m = marker('ws');
    my $ws = ws_connect(cookie => $alice, marker => "$m&sid=$sid", path => '/bind/');
    is $ws->{status}, 101, 'alice upgrades her socket: 101';
    close $ws->{sock} if $ws->{sock};
}

# What the handshake answer may look like.
{
    my $s3 = handshake($alice, query => 'eio3=1');
    my $m = marker();
    is poll($alice, $s3, $m)->{status}, 200, 'an Engine.IO 3 answer ("<length>:0{...}") is bound';
    $m = marker();
    is poll($bob, $s3, $m)->{status}, 403, 'and refused to bob';

    my $split = handshake($alice, query => 'split=12');
    $m = marker();
    is poll($alice, $split, $m)->{status}, 200, 'an answer that comes in two pieces is bound';
    $m = marker();
    is poll($bob, $split, $m)->{status}, 403, 'and refused to bob';

    my $hm = marker('hs');
    my $gz_res = http(path => "/bind/?EIO=4&transport=polling&gzip=1&t=$hm",
                      headers => [['Cookie', $alice], ['Accept-Encoding', 'gzip, deflate']]);
    my ($gz) = $gz_res->{body} =~ /"sid":"([^"]+)"/;
    ok $gz, 'the module asks for the answer unencoded (Accept-Encoding: identity)';
    my ($rec) = backend_requests($hm);
    is_deeply [backend_headers($rec || { headers => [] }, 'Accept-Encoding')], ['identity'],
        'so the backend sees Accept-Encoding: identity on the handshake';
    $m = marker();
    is poll($bob, $gz, $m)->{status}, 403, 'and the sid is bound';
}

# Without the binding (SocketIOAuthBindSid Off) the attack works: this is
# what the backend must then refuse itself (io.engine.use, see README).
{
    my $sid_off = handshake($alice, path => '/bind-off/');
    my $m = marker();
    my $res = poll($bob, $sid_off, $m, path => '/bind-off/');
    is $res->{status}, 200, 'SocketIOAuthBindSid Off: bob polls alice\'s socket';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['bob'],
        'with his own identity: the backend must compare it with the handshake\'s';
}

done_testing;
