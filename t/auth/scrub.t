# The identity header is scrubbed from every request of every virtual
# host, not only in AuthType SocketIO scopes (issue #10, item 1): a client
# that reaches the backend another way (another ProxyPass, a catch-all
# proxy, a path that falls outside <Location /socket.io/>, a directory
# index served through a subrequest, an ErrorDocument) must not bring its
# own X-Socketio-User, nor any name another scope or virtual host
# configured, in any spelling.  And only a request authorized in scope
# carries the header: a refused user's identity does not follow an
# ErrorDocument out of the scope (issue #17).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Path qw(make_path);
use Test::More;
use SIOTest;

my $alice = login_cookie('alice', 'wonderland');
my $bob = login_cookie('bob', 'builder');

# Every identity name the configuration uses, in the spellings backends
# fold together (WSGI, Rack and PHP turn any punctuation into '_').
my @names = ('X-Socketio-User', 'x_socketio_user', 'X.Socketio.User',
             'X-SOCKETIO~USER', 'X-User', 'x.user', 'X-Renamed-User',
             'X_RENAMED.USER');
my @spoof = map { [$_, 'mallory'] } @names;

sub fold_all { my $n = lc shift; $n =~ s/[^a-z0-9]/_/g; $n }
my %identity = map { fold_all($_) => 1 } @names;

# The identity headers the backend got for the request tagged $m, as
# [name, value] pairs; undef when the request did not get there.
sub identities {
    my $m = shift;
    my ($rec) = backend_requests($m);
    return undef unless $rec;
    return [grep { $identity{ fold_all($_->[0]) } } @{ $rec->{headers} }];
}

sub none_ok {
    my ($m, $name) = @_;
    my $got = identities($m);
    ok $got && !@$got, "$name: reaches the backend without any identity header"
        or diag explain $got;
}

# ---- another ProxyPass, outside every scope ----
for my $cookie (undef, $alice) {
    my $who = $cookie ? 'signed in' : 'no session';
    my $m = marker();
    my $res = http(path => "/open/?t=$m",
                   headers => [@spoof, $cookie ? ['Cookie', $cookie] : ()]);
    is $res->{status}, 200, "another ProxyPass, $who: 200";
    none_ok($m, "another ProxyPass, $who");
}

# ---- a catch-all proxy, and a path just outside <Location /socket.io/> ----
for my $path ('/socket.io', '/Socket.IO/', '/other/') {
    my $m = marker();
    my $res = http(path => "$path?EIO=4&transport=polling&t=$m",
                   host => 'catchall.test', headers => \@spoof);
    is $res->{status}, 200, "catch-all proxy, $path: 200";
    none_ok($m, "catch-all proxy, $path");
}
{
    # The scope itself, on the same host, still works and is still the
    # only thing that sets the header.
    my $m = marker();
    my $res = sio_get($alice, $m, host => 'catchall.test', headers => \@spoof);
    is $res->{status}, 200, 'catch-all host, in scope: 200';
    is_deeply identities($m), [['X-Socketio-User', 'alice']],
        'catch-all host, in scope: exactly X-Socketio-User: alice';
}

# ---- a name renamed in another virtual host's scope ----
{
    my $m = marker();
    my $res = sio_get($alice, $m, headers => \@spoof);
    is $res->{status}, 200, 'main host, in scope: 200';
    is_deeply identities($m), [['X-Socketio-User', 'alice']],
        'main host, in scope: X-Socketio-User: alice, and no X-Renamed-User '
        . 'nor X-User in any spelling';
}
{
    my $m = marker();
    my $res = sio_get($alice, $m, path => '/renamed/', host => 'renamed.test',
                      headers => \@spoof);
    is $res->{status}, 200, 'renamed.test, its scope: 200';
    is_deeply identities($m), [['X-Renamed-User', 'alice']],
        'renamed.test: exactly X-Renamed-User: alice';
}
{
    my $m = marker();
    my $res = http(path => "/open/?t=$m", host => 'rotated.test',
                   headers => [['X-Renamed-User', 'mallory'],
                               ['X.Renamed.User', 'mallory']]);
    is $res->{status}, 200, 'yet another host, outside the scopes: 200';
    none_ok($m, 'X-Renamed-User, configured on renamed.test, sent to rotated.test');
}

# ---- a subrequest: a directory index that is a proxied URL ----
{
    make_path(test_var('documentroot') . '/dirindex');
    my $m = marker();
    my $res = http(path => '/dirindex/',
                   headers => [@spoof, ['X-Marker', $m]]);
    is $res->{status}, 200, 'DirectoryIndex /open/from-index: 200';
    my ($rec) = backend_requests($m);
    is $rec && $rec->{uri}, '/open/from-index',
        'DirectoryIndex: served from the proxied index';
    none_ok($m, 'DirectoryIndex through a subrequest');
}

# ---- ErrorDocuments proxied outside the scope ----
{
    my $m = marker();
    my $res = http(path => "/errdoc/?t=$m",
                   headers => [['Cookie', $alice], @spoof, ['X-Marker', $m]]);
    my @got = backend_requests($m);
    is scalar(@got), 1, 'Require refuses alice: only the ErrorDocument reaches the backend';
    is $got[0] && $got[0]{uri}, '/open/errdoc-403', 'the 403 ErrorDocument';
    none_ok($m, 'the ErrorDocument of a refused user');
}
{
    # Nothing spoofed: the header httpd set when it authenticated alice,
    # before Require refused her, must not follow the internal redirect.
    my $m = marker();
    my $res = http(path => "/errdoc/?t=$m",
                   headers => [['Cookie', $alice], ['X-Marker', $m]]);
    my ($rec) = backend_requests($m);
    is $rec && $rec->{uri}, '/open/errdoc-403', 'alice again, nothing spoofed';
    none_ok($m, 'the ErrorDocument does not get the identity of the refused user');
}
{
    my $m = marker();
    my $res = http(path => "/errdoc/?t=$m",
                   headers => [@spoof, ['X-Marker', $m]]);
    my ($rec) = backend_requests($m);
    is $rec && $rec->{uri}, '/open/errdoc-401', 'no session: the 401 ErrorDocument';
    none_ok($m, 'the ErrorDocument of a request without a session');
}
{
    my $m = marker();
    my $res = http(path => "/errdoc/?t=$m",
                   headers => [['Cookie', $bob], @spoof]);
    is $res->{status}, 200, 'bob, whom Require allows: 200';
    is_deeply identities($m), [['X-Socketio-User', 'bob']],
        'bob: exactly X-Socketio-User: bob';
}

like error_log(), qr/removed request header X\.Socketio\.User sent by the client for \/open\//,
    'the error log names the header removed and the request';

done_testing;
