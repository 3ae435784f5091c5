# Secret rotation: "SessionStoreSecret new old" signs with new and still
# verifies old; once old is removed its cookies are refused.  The hosts
# are name-based virtual hosts of t/conf/extra.conf.in sharing one store.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_base64);
use SIOTest;

sub sig_of {
    my $cookie = shift;
    my ($id, $sig) = $cookie =~ /s%3A([^.]+)\.(.+)$/ or return ();
    $sig =~ s/%([0-9A-F]{2})/chr hex $1/ge;
    return ($id, $sig);
}

# A cookie of the main host, signed with the old secret.
my $old = login_cookie('alice', 'wonderland');
my ($old_id, $old_sig) = sig_of($old);
is $old_sig, hmac_sha256_base64($old_id, SECRET_OLD), 'the main host signs with the old secret';

{
    my $m = marker();
    my $res = sio_get($old, $m, host => 'rotated.test');
    is $res->{status}, 200, 'rotated host ("new old"): a cookie of the old secret still passes';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['alice'],
        'rotated host: as alice';
}
{
    my $m = marker();
    refused_ok(sio_get($old, $m, host => 'retired.test'), 401, 'Bad signature', $m,
               'retired host ("new" only): the old secret\'s cookie');
    my $wm = marker();
    refused_ok(ws_connect(cookie => $old, marker => $wm, host => 'retired.test'),
               401, 'Bad signature', $wm, 'retired host: the upgrade with it');
}

# A login on the rotated host signs with the new secret.
my $new = login_cookie('bob', 'builder', host => 'rotated.test');
my ($new_id, $new_sig) = sig_of($new);
is $new_sig, hmac_sha256_base64($new_id, SECRET_NEW), 'the rotated host signs with the new secret';
is sio_get($new, marker(), host => 'rotated.test')->{status}, 200,
    'rotated host: its own cookie passes';
is sio_get($new, marker(), host => 'retired.test')->{status}, 200,
    'retired host: a cookie of the new secret passes (same store)';
{
    my $m = marker();
    refused_ok(sio_get($new, $m), 401, 'Bad signature', $m,
               'main host (old secret only): a cookie of the new secret');
}

# The same session id re-signed by hand: only the signature decides.
{
    my $m = marker();
    is sio_get(cookie_header(SECRET_NEW, $old_id), $m, host => 'retired.test')->{status}, 200,
        'the old session id signed with the new secret passes on the retired host';
    my $rm = marker();
    refused_ok(sio_get(cookie_header('a secret that was removed', $old_id), $rm,
                       host => 'rotated.test'),
               401, 'Bad signature', $rm, 'the id signed with a secret no host lists');
}

done_testing;
