# A client can never choose the identity the backend sees: every spelling
# of the identity header (case, any punctuation for '-', repeated) is
# removed, with or without a session (mod_auth_openidc #222).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $alice = login_cookie('alice', 'wonderland');

my @spellings = ('X-Socketio-User', 'x-socketio-user', 'X_Socketio_User',
                 'X-SOCKETIO-USER', 'x_socketio-USER', 'X.Socketio.User',
                 'x~socketio|user');
my @variants = (map({ [$_, [[$_, 'mallory']]] } @spellings),
    ['duplicated', [['X-Socketio-User', 'mallory'], ['X-Socketio-User', 'eve']]],
    ['every spelling at once', [map { [$_, 'mallory'] } @spellings]],
    ['a list value', [['X-Socketio-User', 'alice, mallory']]],
    ['an empty value', [['X-Socketio-User', '']]]);

# What the backend received as the identity (any spelling).
sub identity_seen {
    my $m = shift;
    my ($rec) = backend_requests($m);
    return $rec ? [backend_headers($rec, 'X-Socketio-User')] : undef;
}

sub mentions_spoof {
    my $m = shift;
    return grep { /mallory|eve/ } map { @$_ } map { @{ $_->{headers} } } backend_requests($m);
}

for my $v (@variants) {
    my ($name, $headers) = @$v;

    my $m = marker();
    my $res = sio_get($alice, $m, headers => $headers);
    is $res->{status}, 200, "valid session + $name: 200";
    is_deeply identity_seen($m), ['alice'],
        "valid session + $name: the backend sees exactly one value, alice";
    ok !mentions_spoof($m), "valid session + $name: no spoofed value anywhere";

    my $wm = marker('ws');
    my $ws = ws_connect(cookie => $alice, marker => $wm, headers => $headers);
    is $ws->{status}, 101, "upgrade, valid session + $name: 101";
    is header_value($ws, 'X-Echo-Socketio-User'), 'alice',
        "upgrade, valid session + $name: the backend sees alice";
    is header_value($ws, 'X-Echo-Socketio-User-Count'), '1',
        "upgrade, valid session + $name: once";
    close $ws->{sock} if $ws->{sock};

    my $nm = marker();
    refused_ok(sio_get(undef, $nm, headers => $headers), 401, 'No session cookie', $nm,
               "no session + $name");
}

# With SocketIOAuthHeader X-User, both that header and the default one are
# scrubbed (a backend may still read the default after a rename).
{
    my $m = marker();
    my $res = sio_get($alice, $m, path => '/xuser/',
                      headers => [['X-User', 'mallory'], ['X_User', 'mallory'],
                                  ['X-Socketio-User', 'mallory']]);
    is $res->{status}, 200, 'SocketIOAuthHeader X-User: 200';
    my ($rec) = backend_requests($m);
    $rec ||= { headers => [] };
    is_deeply [backend_headers($rec, 'X-User')], ['alice'],
        'SocketIOAuthHeader X-User: the backend sees X-User: alice, once';
    is_deeply [backend_headers($rec, 'X-Socketio-User')], [],
        'SocketIOAuthHeader X-User: and no X-Socketio-User at all';
    ok !mentions_spoof($m), 'SocketIOAuthHeader X-User: no spoofed value anywhere';
}

done_testing;
