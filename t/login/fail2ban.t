# conf/fail2ban/session-store.conf against real log lines: the suite's
# own error log, after the failed logins the tests before this one (and
# this one) made.  Every "login failed" line matches, and nothing else.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $regex = `command -v fail2ban-regex 2>/dev/null`;
chomp $regex;
plan skip_all => 'fail2ban-regex is not installed' unless $regex;
my $filter = "$FindBin::Bin/../../conf/fail2ban/session-store.conf";
ok -f $filter, 'the filter is in conf/fail2ban';

is login('alice', 'wrong', accept => 'application/json')->{status}, 401, 'a wrong password';
is login("nobody-$$", 'x', accept => 'application/json',
         extra => [['Referer', 'http://127.0.0.1/login.html']])->{status}, 401,
    'an unknown user, with a Referer';
ok wait_until(sub { error_log() =~ /login failed for user nobody-$$/ }, 5), 'both logged';

my $log = test_var('t_logs') . '/error_log';
my $want = count_lines(error_log(), qr/login failed for user .*: (?:user not found|password mismatch)/);
my $out = `"$regex" -v "$log" "$filter" 2>&1`;
my ($matched) = $out =~ /^Lines: \d+ lines, \d+ ignored, (\d+) matched/m;
ok defined $matched, 'fail2ban-regex read the log' or diag $out;
is $matched, $want, "every failed-login line matched ($want), and no other";
like $out, qr/^\|\s+127\.0\.0\.1\s/m, 'the client address is what fail2ban takes (to ban)';
done_testing;
