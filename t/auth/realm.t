# SessionStoreRealm: a session counts only where the realm is the one it
# was made in (by default the virtual host), so that a user of one
# virtual host or login cannot carry a cookie to another that shares the
# secret but not the users.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $main = login_cookie('alice', 'wonderland');
is sio_get($main, marker())->{status}, 200, 'a session of the main realm passes there';
{
    my $m = marker();
    refused_ok(sio_get($main, $m, host => 'realm.test'), 401, 'No session found', $m,
               'and is refused on realm.test (another realm, same secret)');
}
my $other = login_cookie('bob', 'builder', host => 'realm.test');
is sio_get($other, marker(), host => 'realm.test')->{status}, 200,
    'a session made on realm.test passes there';
{
    my $m = marker();
    refused_ok(sio_get($other, $m), 401, 'No session found', $m,
               'and is refused on the main host');
}
like error_log(), qr/belongs to another realm \(SessionStoreRealm\)/,
    'the error log says why';
done_testing();
