# SessionStoreSecretFile: secrets read from a file, one a line, the first
# signs and all verify; comments and blank lines are not secrets.  The
# file is t/conf/secret-file, made mode 0600 by t/TEST.PL, and used by the
# name-based virtual host secretfile.test of t/conf/extra.conf.in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_base64);
use SIOTest;

my $file = test_var('t_conf') . '/secret-file';
my @lines = split /\n/, read_file($file);
my @secrets = grep { /\S/ && !/^#/ } @lines;
is((stat $file)[2] & 07777, 0600, 'the secret file is mode 0600');
is scalar(@secrets), 2, 'it holds two secrets (and a comment and a blank line)';
is $secrets[1], SECRET_OLD, 'the second is the main host\'s';

sub user_seen {
    my ($cookie, %a) = @_;
    my $m = marker();
    my $res = sio_get($cookie, $m, %a);
    return "<$res->{status}>" unless $res->{status} == 200;
    my ($rec) = backend_requests($m);
    return join ',', backend_headers($rec || { headers => [] }, 'X-Socketio-User');
}

my $cookie = login_cookie('alice', 'wonderland', host => 'secretfile.test');
my ($id, $sig) = $cookie =~ /s%3A([^.]+)\.(.+)$/;
(my $sig_decoded = $sig // '') =~ s/%([0-9A-F]{2})/chr hex $1/ge;
is $sig_decoded, hmac_sha256_base64($id // '', $secrets[0]),
    'a login on secretfile.test is signed with the first secret of the file';
is user_seen($cookie, host => 'secretfile.test'), 'alice',
    'and that cookie opens /socket.io/ there as alice';

my $main = login_cookie('bob', 'builder');
is user_seen($main, host => 'secretfile.test'), 'bob',
    'a cookie of the main host (its secret is the second line) verifies there';

{
    my $m = marker();
    refused_ok(sio_get($cookie, $m), 401, 'Bad signature', $m,
               'the file\'s first secret on the main host, which does not list it');
}
for my $not_secret ($lines[0], '') {
    my $m = marker();
    refused_ok(sio_get(cookie_header($not_secret, $id), $m, host => 'secretfile.test'),
               401, 'Bad signature', $m,
               'the id signed with ' . ($not_secret eq '' ? 'the blank line' : 'the comment line'));
}

done_testing;
