# User enumeration by timing (issue #10): a known user costs a password
# hash, an unknown one did not.  Now an unknown user's password is checked
# once more against a user the providers know (SessionStoreLoginDummyUser,
# by default the last known user), through the same provider: the same
# lookup, hash kind and cost.  No clock is read here: the debug log says
# which user and provider the extra check went through.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;
use SIOTest::Server;

my $srv = SIOTest::Server->new(name => 'timing', conf => <<'CONF');
SessionStoreSecret "timing.t: the secret of this server alone, 40+ chars"
LogLevel info session_store:debug
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /login-dummy>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle Off
    SessionStoreLoginDummyUser bob
</Location>
<Location /login-off>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle Off
    SessionStoreLoginDummyUser Off
</Location>
<IfModule mpm_event_module>
    StartServers 1
    ServerLimit 1
</IfModule>
CONF
ok $srv->start, 'httpd starts' or BAIL_OUT($srv->start_output);
my $port = $srv->port;

sub try_login {
    my ($user, $path) = @_;
    return login($user, 'not-the-password', port => $port, path => $path,
                 accept => 'application/json')->{status};
}

sub lines { my $re = shift; scalar(() = $srv->error_log =~ /$re/g) }

my $spent = qr/user not found; the password was checked against user (\S+) as well, through provider file/;

is try_login('nobody1', '/login'), 401, 'an unknown user before any known one: 401';
ok wait_until(sub { lines(qr/user not found, and no user known to check the password against/) == 1 }, 5),
    'nothing known yet to spend the time on: said so at debug';
is try_login('alice', '/login'), 401, 'alice, a known user, with a wrong password: 401';
is try_login('nobody2', '/login'), 401, 'then an unknown user: 401';
ok wait_until(sub { lines($spent) == 1 }, 5),
    'its password was checked against a known user as well';
my ($who) = $srv->error_log =~ $spent;
is $who, 'alice', 'the last user the providers knew: alice';
is try_login('nobody3', '/login-dummy'), 401, 'SessionStoreLoginDummyUser bob: 401';
ok wait_until(sub { $srv->error_log =~ /user not found; the password was checked against user bob as well, through provider file/ }, 5),
    'checked against bob';
my $before = lines(qr/user not found; the password was checked/);
is try_login('nobody4', '/login-off'), 401, 'SessionStoreLoginDummyUser Off: 401';
is try_login('alice', '/login'), 401, 'a known user';
sleep 1;
is lines(qr/user not found; the password was checked/), $before,
    'Off, and known users: no extra check';
$srv->stop;
done_testing;
