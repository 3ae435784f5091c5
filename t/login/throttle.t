# SessionStoreLoginThrottle beyond t/login/login.t: failures count only
# where the throttle is on, a throttled login is refused even with the
# right password, the address limit, Retry-After, one error log line per
# window.  Locations (t/conf/extra.conf.in): /login (Off),
# /throttled-login (3 1000 60), /addr-throttled-login (1000 3 60).  The
# failure counters are the server's: login.t's failures from 127.0.0.1
# may already count toward the address limit here.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

sub json_login {
    my ($user, $pass, $path) = @_;
    return login($user, $pass, path => $path, accept => 'application/json');
}

sub statuses { [map { $_->{status} } @_] }

# ---- failures where the throttle is Off do not count ----
is_deeply statuses(map { json_login('bob', "nope$_", '/login') } 1 .. 5),
    [(401) x 5], 'five failures for bob at /login (throttle Off): 401 each';
is_deeply statuses(map { json_login('bob', "nope$_", '/throttled-login') } 1 .. 3),
    [401, 401, 401],
    'then at /throttled-login bob still has his three tries: the Off location counted nothing';

# ---- over the user limit: refused without checking the password ----
{
    my $res = json_login('bob', 'builder', '/throttled-login');
    is $res->{status}, 429, 'the right password after three failures: 429';
    is_deeply decode_json($res->{body}),
        { message => 'Too many failed logins; try again later' }, '429: the JSON message';
    is scalar(set_cookies($res)), 0, '429: no session';
    my $retry = header_value($res, 'Retry-After') // '';
    ok $retry =~ /^\d+$/ && $retry >= 1 && $retry <= 60,
        "429: Retry-After within the 60 s window (got '$retry')";
    is_deeply statuses(map { json_login('bob', 'builder', '/throttled-login') } 1 .. 3),
        [429, 429, 429], 'and it stays 429';
    is json_login('bob', 'builder', '/login')->{status}, 200,
        'bob still logs in where the throttle is Off';
    ok wait_until(sub { count_lines(error_log(), qr/too many failed logins for user bob \(SessionStoreLoginThrottle 3 1000 60\)/) >= 1 }, 5),
        'the error log says bob is throttled, with the settings';
    is count_lines(error_log(), qr/too many failed logins for user bob /), 1,
        'once for the window, not once per refused login';
}

# ---- the address limit ----
{
    my @seen;
    for my $n (1 .. 4) {
        my $res = json_login("nobody$n-$$", 'x', '/addr-throttled-login');
        push @seen, $res->{status};
        last if $res->{status} == 429;
    }
    is $seen[-1], 429, 'failures for different user names from one address: 429 by the 4th try'
        or diag "statuses: @seen";
    ok !grep({ $_ != 401 && $_ != 429 } @seen), 'before that, 401s';
    my $res = json_login('alice', 'wonderland', '/addr-throttled-login');
    is $res->{status}, 429, 'then alice from that address, with her right password: 429';
    like header_value($res, 'Retry-After') // '', qr/^[1-9]\d*$/, 'with Retry-After';
    is scalar(set_cookies($res)), 0, 'and no session';
    json_login('alice', 'wonderland', '/addr-throttled-login') for 1 .. 2;
    ok wait_until(sub { count_lines(error_log(), qr/too many failed logins for address 127\.0\.0\.1 \(SessionStoreLoginThrottle 1000 3 60\)/) >= 1 }, 5),
        'the error log says the address is throttled';
    is count_lines(error_log(), qr/too many failed logins for (?:user \S+ and )?address 127\.0\.0\.1 /), 1,
        'once for the window';
    is json_login('alice', 'wonderland', '/throttled-login')->{status}, 200,
        'a location with a higher address limit still lets alice in';
}

done_testing;
