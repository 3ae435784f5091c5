package SIOTest::Server;
# An httpd of a test's own, for what the suite's shared server must not go
# through: a full stop and start, SIGKILLed children, a global setting
# (SessionStoreWhenFull, SessionStorePersistFile) of its own.
#
#   my $srv = SIOTest::Server->new(name => 'persist', conf => <<'CONF');
#   SessionStoreSecret "..."
#   <Location /login> ... AuthUserFile "@t_conf@/htpasswd" ... </Location>
#   CONF
#   $srv->start or BAIL_OUT(...);  http(port => $srv->port, ...);  $srv->stop;
#
# The configuration is scripts/lib/common.sh's sio_httpd_conf_base (the
# modules of $SIO_MODULES_DIR, 127.0.0.1 only, logs in the server's
# directory) followed by the test's lines, in which @dir@, @port@ and
# @t_conf@ are replaced.  It runs as the suite's httpd does: $SIO_HTTPD
# (t/run sets it, e.g. to scripts/httpd-sanitized) or the one Apache::Test
# was configured with.  Its directory is t/logs/servers/<name>; t/run
# stops what a killed test leaves there.
#
# Every server still running is stopped when the test exits, also on
# INT/TERM, but only by the process that started it (a test that forks
# clients must end them with POSIX::_exit).
use strict;
use warnings;

use File::Path qw(make_path);
use File::Spec::Functions qw(catfile);
use POSIX ();
use Time::HiRes qw(sleep);
use SIOTest qw(test_var read_file);

my %running;    # "$self" => $self, for the END block

$SIG{INT} = sub { exit 130 };
$SIG{TERM} = sub { exit 143 };

sub new {
    my ($class, %a) = @_;
    die "SIOTest::Server->new: name and conf are required\n"
        unless $a{name} && defined $a{conf};
    my $dir = catfile(test_var('t_logs'), 'servers', $a{name});
    make_path($dir);
    my $self = bless {
        name => $a{name}, conf_template => $a{conf}, dir => $dir,
        owner => $$,
        httpd => $ENV{SIO_HTTPD} || test_var('httpd'),
        common => catfile(test_var('top_dir'), 'scripts', 'lib', 'common.sh'),
    }, $class;
    $self->{port} = $self->_bash('sio_free_port');
    chomp $self->{port};
    die "SIOTest::Server: no free port\n" unless $self->{port} =~ /^\d+$/;
    return $self;
}

sub dir       { $_[0]->{dir} }
sub port      { $_[0]->{port} }
sub conf_file { catfile($_[0]->{dir}, 'httpd.conf') }
sub error_log { read_file(catfile($_[0]->{dir}, 'logs', 'error_log')) }
sub access_log { read_file(catfile($_[0]->{dir}, 'logs', 'access_log')) }

# Run a function of common.sh in bash with SIO_HTTPD_BIN set to our httpd;
# returns its stdout (and stderr with merge => 1), and $? as bash left it.
sub _bash {
    my ($self, @cmd) = @_;
    my $merge = ref $cmd[0] ? shift(@cmd)->{merge} : 0;
    my $script = '. "$1" || exit 1; SIO_HTTPD_BIN=$2; shift 2; "$@"';
    my $pid = open(my $fh, '-|');
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        no warnings 'exec';    # the _exit below is for a failed exec
        open STDIN, '<', '/dev/null';
        open STDERR, '>&', \*STDOUT if $merge;
        exec 'bash', '-c', $script, 'bash', $self->{common}, $self->{httpd},
             @cmd;
        POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

# Replace the test's lines (for the next start).
sub set_conf { $_[0]->{conf_template} = $_[1] }

sub write_conf {
    my $self = shift;
    my $base = $self->_bash('sio_httpd_conf_base', $self->{dir}, $self->{port});
    die "SIOTest::Server: sio_httpd_conf_base failed\n" if $? || !$base;
    (my $extra = $self->{conf_template}) =~ s/\@dir\@/$self->{dir}/g;
    $extra =~ s/\@port\@/$self->{port}/g;
    my $t_conf = test_var('t_conf');
    $extra =~ s/\@t_conf\@/$t_conf/g;
    open my $fh, '>', $self->conf_file or die "$self->{dir}/httpd.conf: $!";
    print $fh $base, "\n# ---- the test's configuration ----\n", $extra, "\n";
    close $fh or die "$self->{dir}/httpd.conf: $!";
}

# Start and wait until it listens (sio_httpd_start: "httpd -t" first).
# True on success; otherwise what it printed is in $self->{start_output}.
sub start {
    my $self = shift;
    $self->write_conf;
    $running{"$self"} = $self;
    my $out = $self->_bash({ merge => 1 }, 'sio_httpd_start',
                           $self->conf_file, $self->{port});
    $self->{start_output} = $out;
    return $? == 0;
}

sub start_output { $_[0]->{start_output} // '' }

# The parent's pid, from its pid file.
sub pid {
    my $self = shift;
    my $text = read_file(catfile($self->{dir}, 'logs', 'httpd.pid'));
    return $text =~ /^(\d+)/ ? $1 : undef;
}

sub children {
    my $self = shift;
    my $pid = $self->pid or return ();
    my $out = `pgrep -P $pid 2>/dev/null` // '';
    return grep { /^\d+$/ } split /\s+/, $out;
}

# A clean stop ("-k stop", which saves the persist file), waiting until
# the parent is gone (sio_httpd_stop).
sub stop {
    my $self = shift;
    return unless $$ == $self->{owner};
    $self->_bash({ merge => 1 }, 'sio_httpd_stop', $self->conf_file);
    delete $running{"$self"};
}

# SIGKILL the parent and its children at once: a crash, nothing saved.
# Waits until they are gone (at most 5 s).
sub kill_all {
    my $self = shift;
    my $pid = $self->pid or return;
    my @all = ($pid, $self->children);
    kill 'KILL', @all;
    for (1 .. 50) {
        last unless grep { kill 0, $_ } @all;
        sleep 0.1;
    }
    unlink catfile($self->{dir}, 'logs', 'httpd.pid');
    delete $running{"$self"};
}

END {
    local $?;
    $_->stop for values %running;
}

1;
