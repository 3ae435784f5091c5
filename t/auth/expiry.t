# SessionStoreIdleTimeout: a session made on short.test (2 s) expires
# after 3 idle seconds; one of the main host (1800 s) does not.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use SIOTest;

my $short = login_cookie('alice', 'wonderland', host => 'short.test');
my $long = login_cookie('alice', 'wonderland');

is sio_get($short, marker(), host => 'short.test')->{status}, 200,
    'a fresh session of the 2 s host passes';
my $before = status_json();

sleep 3.2;

{
    my $m = marker();
    refused_ok(sio_get($short, $m, host => 'short.test'), 401, 'Session expired', $m,
               'after 3 idle seconds');
    my $again = marker();
    my $res = sio_get($short, $again, host => 'short.test');
    is $res->{status}, 401, 'and it stays refused';
    ok !backend_requests($again), 'and never proxied';
    my $wm = marker();
    my $ws = ws_connect(cookie => $short, marker => $wm, host => 'short.test');
    is $ws->{status}, 401, 'the upgrade with the expired session: 401';
    ok !backend_requests($wm), 'the upgrade never reached the backend';
}
cmp_ok status_json()->{expired} - $before->{expired}, '>=', 1,
    'the status counts the expired session';

is sio_get($long, marker())->{status}, 200,
    'a session of the main host (1800 s) still passes';

done_testing;
