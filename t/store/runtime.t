# The servers run the httpd t/run was told to run (SIO_HTTPD): under
# scripts/test-sanitized that is scripts/httpd-sanitized, and then the
# suite's httpd and the ones tests start on their own (SIOTest::Server)
# must have the ASan and UBSan runtimes loaded, or "no report" would prove
# nothing.  Otherwise neither may have them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;
use SIOTest::Server;

my $sanitized = ($ENV{SIO_HTTPD} // test_var('httpd')) =~ m{/httpd-sanitized$};

sub runtimes_of {
    my $pid = shift or return 'no pid';
    my $maps = read_file("/proc/$pid/maps");
    return 'cannot read its memory map' unless length $maps;
    return join ' ', grep { $maps =~ m{/$_\.so[.\d]*$}m } qw(libasan libubsan);
}

sub main_pid {
    my $text = read_file(test_var('t_pid_file'));
    return $text =~ /^(\d+)/ ? $1 : undef;
}

my $want = $sanitized ? 'libasan libubsan' : '';
my $what = $sanitized ? 'ASan and UBSan runtimes loaded' : 'no sanitizer runtime';

is runtimes_of(main_pid()), $want, "the suite's httpd: $what";

my $srv = SIOTest::Server->new(name => 'runtime', conf => <<'CONF');
SessionStoreSecret "runtime.t: the secret of this server alone, 40+ chars"
CONF
ok $srv->start, 'a server of a test\'s own starts' or diag $srv->start_output;
is runtimes_of($srv->pid), $want, "its parent: $what";
my ($child) = $srv->children;
is runtimes_of($child), $want, "its child: $what";
$srv->stop;

done_testing;
