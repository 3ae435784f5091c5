# Lockout as a weapon (issue #10, OWASP's device cookie): wrong passwords
# sent from anywhere lock a user name out, but a browser that signed in
# as that user before carries a signed device cookie and is judged by its
# own counter; a guesser without one still has only the user name's
# budget.  And SessionStoreLoginFoldCase: "Alice" and "alice" are one
# account to a case-insensitive provider, so one throttle budget (always)
# and, with the directive, one user name.  A server of its own: its
# throttle counters are its own.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;
use SIOTest::Server;

my $srv = SIOTest::Server->new(name => 'device', conf => <<'CONF');
SessionStoreSecret "device.t: the secret of this server alone, 40+ chars"
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle 3 1000 60
</Location>
<Location /login-no-device>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle 3 1000 60
    SessionStoreLoginDeviceCookie Off
</Location>
<Location /login-fold>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle 3 1000 60
    SessionStoreLoginFoldCase On
</Location>
CONF
ok $srv->start, 'httpd starts' or BAIL_OUT($srv->start_output);
my $port = $srv->port;

sub try_login {
    my ($user, $pass, %a) = @_;
    return login($user, $pass, port => $port, accept => 'application/json',
                 path => $a{path}, from => $a{from},
                 ($a{device} ? (cookie => $a{device}) : ()));
}

sub device_cookie {
    my $res = shift;
    for (set_cookies($res)) {
        return $1 if /^(express\.sid\.device=[^;]+)/;
    }
    return undef;
}

# ---- alice signs in from her browser: it gets a device cookie ----
my $first = try_login('alice', 'wonderland');
is $first->{status}, 200, 'alice signs in';
my $device = device_cookie($first);
ok $device, 'and her browser gets a device cookie';
my ($attrs) = grep { /^express\.sid\.device=/ } set_cookies($first);
like $attrs, qr/; HttpOnly/, 'HttpOnly, like the session cookie';
like $attrs, qr/; Max-Age=31536000/, 'long-lived: a year';

# ---- an attacker elsewhere sends wrong passwords for alice ----
is_deeply [map { try_login('alice', "guess$_", from => "127.0.$_.9")->{status} } 1 .. 3],
    [401, 401, 401], 'three wrong passwords for alice from three other addresses';
my $locked = try_login('alice', 'wonderland', from => '127.0.9.9');
is $locked->{status}, 429, 'alice\'s user name is locked: the right password without a device cookie gets 429';
like header_value($locked, 'Retry-After') // '', qr/^[1-9]\d*$/, 'with Retry-After';
is try_login('alice', 'guess4', from => '127.0.4.9')->{status}, 429,
    'the distributed guesser gets no more than the user name\'s budget';

my $trusted = try_login('alice', 'wonderland', device => $device);
is $trusted->{status}, 200, 'her browser, with its device cookie, still signs in';
my $renewed = device_cookie($trusted);
ok $renewed && $renewed ne $device, 'and gets a new device cookie';
is try_login('alice', 'wonderland', from => '127.0.9.9')->{status}, 429,
    'her success does not unlock the user name for others';

# ---- the device has its own budget ----
is_deeply [map { try_login('alice', "typo$_", device => $renewed)->{status} } 1 .. 3],
    [401, 401, 401], 'three typos from her browser: 401';
is try_login('alice', 'wonderland', device => $renewed)->{status}, 429,
    'then her browser is throttled too, on its own counter';
ok wait_until(sub { $srv->error_log =~ /too many failed logins for device [A-Za-z0-9_-]{22} of user alice \(SessionStoreLoginThrottle 3 1000 60\)/ }, 5),
    'the error log names the device and the user';

# ---- case: one account, one budget ----
is_deeply [map { try_login($_, 'bad', path => '/login-fold', from => '127.0.5.5')->{status} } qw(Carol CAROL carol)],
    [401, 401, 401], 'three failures for Carol, CAROL and carol';
is try_login('cArOl', 'bad', path => '/login-fold', from => '127.0.5.6')->{status}, 429,
    'are one user name\'s three: the throttle key is folded';
{
    my $res = try_login('ALICE', 'wonderland', path => '/login-fold', from => '127.0.6.6');
    is $res->{status}, 429, 'ALICE is alice, whose name is locked';
    $res = try_login('BOB', 'builder', path => '/login-fold', from => '127.0.6.6');
    is $res->{status}, 200, 'SessionStoreLoginFoldCase On: BOB signs in as bob';
    is decode_json($res->{body})->{user}, 'bob', 'the session\'s user is bob';
    is try_login('BOB', 'builder', from => '127.0.6.6')->{status}, 401,
        'without it, the provider (case-sensitive here) does not know BOB';
}
# ---- device cookies are for one user, signed, and can be turned off ----
is try_login('bob', 'builder', device => $device)->{status}, 200, 'bob signs in (his own budget)';
{
    my $bob = device_cookie(try_login('bob', 'builder'));
    is try_login('alice', 'wonderland', device => $bob)->{status}, 429,
        'bob\'s device cookie does not count for alice';
    (my $forged = $bob) =~ s/=([A-Za-z0-9_-])/'=' . ($1 eq 'A' ? 'B' : 'A')/e;
    is try_login('bob', 'nope', device => $forged)->{status}, 401, 'a forged device cookie...';
    is_deeply [map { try_login('bob', 'nope', from => "127.0.0.$_")->{status} } 2, 3, 4], [401, 401, 429],
        '...counts against the user name: with two more failures, his name is locked';
    is try_login('bob', 'builder', device => $bob)->{status}, 200,
        'while his real device cookie still signs him in';
}
is scalar(grep { /\.device=/ } set_cookies(try_login('alice', 'x', path => '/login-no-device'))), 0,
    'SessionStoreLoginDeviceCookie Off: no device cookie';

$srv->stop;
done_testing;
