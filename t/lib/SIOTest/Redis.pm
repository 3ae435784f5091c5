package SIOTest::Redis;
# A private redis-server for a test (never the system's): Debian's
# redis-server on a unix socket of its own in t/logs/redis/<name>/, with a
# random password, no persistence, started and stopped by the test.
#
#   my $redis = SIOTest::Redis->new(name => 'shared');
#   $redis->start or BAIL_OUT(...);
#   $redis->socket;            # for SessionStoreRedisServer unix:...
#   $redis->auth_file;         # mode 0600, for SessionStoreRedisAuthFile
#   $redis->cli('GET', 'sess:...');   # redis-cli's raw answer
#   $redis->pause; $redis->resume;    # SIGSTOP / SIGCONT: a hung Redis
#   $redis->stop; $redis->start;      # down, then back on the same socket
#
# Stopped when the test exits (only by the process that started it).
use strict;
use warnings;

use File::Path qw(make_path remove_tree);
use File::Spec::Functions qw(catfile);
use POSIX ();
use Time::HiRes qw(sleep);
use SIOTest qw(test_var read_file);

my %running;

sub available {
    return -x '/usr/bin/redis-server' && -x '/usr/bin/redis-cli';
}

sub new {
    my ($class, %a) = @_;
    my $name = $a{name} || 'redis';
    my $dir = catfile(test_var('t_logs'), 'redis', $name);
    remove_tree($dir);
    make_path($dir);
    chmod 0700, $dir;
    my $password = join '', map { ('a'..'z', 0..9)[rand 36] } 1 .. 32;
    my $self = bless { name => $name, dir => $dir, password => $password,
                       owner => $$ }, $class;
    $self->write_auth_file($password);
    return $self;
}

sub dir       { $_[0]->{dir} }
sub socket    { catfile($_[0]->{dir}, 'redis.sock') }
sub password  { $_[0]->{password} }
sub auth_file { catfile($_[0]->{dir}, 'auth') }
sub log       { read_file(catfile($_[0]->{dir}, 'redis.log')) }
sub pid       { $_[0]->{pid} }

# The file httpd reads (SessionStoreRedisAuthFile): one line, 0600.
sub write_auth_file {
    my ($self, $line) = @_;
    my $file = $self->auth_file;
    unlink $file;
    sysopen(my $fh, $file, POSIX::O_WRONLY() | POSIX::O_CREAT()
                           | POSIX::O_EXCL(), 0600) or die "$file: $!";
    print $fh "$line\n";
    close $fh;
}

# The directives that point an httpd at this Redis.
sub store_conf {
    my $self = shift;
    return "SessionStoreBackend redis\n"
         . "SessionStoreRedisServer unix:" . $self->socket . "\n"
         . "SessionStoreRedisAuthFile \"" . $self->auth_file . "\"\n";
}

# The session id inside a "express.sid=s%3A<id>.<sig>" cookie.
sub sid_of {
    my ($cookie) = @_;
    (my $v = $cookie) =~ s/^[^=]*=//;
    $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $v =~ /^s:([^.]+)\./ ? $1 : undef;
}

sub start {
    my $self = shift;
    unlink $self->socket;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        no warnings 'exec';
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', catfile($self->{dir}, 'redis.out');
        open STDERR, '>&', \*STDOUT;
        # A stdin config: the password never shows in ps.
        exec '/usr/bin/redis-server', '-',
             '--port', '0', '--unixsocket', $self->socket,
             '--unixsocketperm', '700', '--save', '', '--appendonly', 'no',
             '--dir', $self->{dir}, '--logfile', catfile($self->{dir}, 'redis.log'),
             '--pidfile', catfile($self->{dir}, 'redis.pid'),
             '--daemonize', 'no', '--requirepass', $self->{password};
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    $running{"$self"} = $self;
    for (1 .. 100) {
        return 1 if -S $self->socket && $self->cli('PING') =~ /PONG/;
        last if waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.05;
    }
    return 0;
}

# redis-cli's answer (raw), authenticated.
sub cli {
    my ($self, @args) = @_;
    my $pid = open(my $fh, '-|');
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        $ENV{REDISCLI_AUTH} = $self->{password};
        exec '/usr/bin/redis-cli', '--raw', '-s', $self->socket, @args;
        POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\s+\z//;
    return $out;
}

sub pause  { kill 'STOP', $_[0]->{pid} if $_[0]->{pid} }
sub resume { kill 'CONT', $_[0]->{pid} if $_[0]->{pid} }

sub stop {
    my $self = shift;
    return unless $$ == $self->{owner} && $self->{pid};
    kill 'CONT', $self->{pid};
    kill 'TERM', $self->{pid};
    for (1 .. 100) {
        last if waitpid($self->{pid}, POSIX::WNOHANG()) != 0;
        sleep 0.05;
    }
    kill 'KILL', $self->{pid} if kill 0, $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
    delete $running{"$self"};
}

END {
    local $?;
    $_->stop for values %running;
}

1;
