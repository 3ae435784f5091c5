#!/usr/bin/env perl
# A Socket.IO server cut down to what tests/debian/run needs, with nothing
# outside Perl's core: the Engine.IO v4 polling handshake, the Socket.IO
# CONNECT of the main namespace, and one event that tells the client whom
# the backend was told it is talking to.
#
#   eio-backend.pl --port-file FILE [--parent PID] [--lifetime SECONDS]
#
# Listens on 127.0.0.1, on a port the kernel picks (written to --port-file
# once listening, so the caller never races for a port).  Like
# examples/chat/server.js it refuses a handshake that did not come through
# Apache's authentication (no X-Socketio-User), and every later request of
# a session must carry the same user.  After the client's "40" it queues
#   40{"sid":"..."}  and  42["hello",{"user":NAME,"cookie":BOOL}]
# where "cookie" says whether a Cookie header reached the backend
# (SocketIOAuthStripCookie On removes it).  No WebSocket: the handshake
# offers no upgrades.
#
# One request a connection (Connection: close), one at a time, which keeps
# the sessions in this one process.  It exits on TERM or INT, when --parent
# is gone, or after --lifetime seconds, so a killed test leaves nothing.
use strict;
use warnings;
use Getopt::Long;
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();

my %opt = (lifetime => 300);
GetOptions(\%opt, 'port-file=s', 'parent=i', 'lifetime=i')
    or die "usage: $0 --port-file FILE [--parent PID] [--lifetime SECONDS]\n";
die "$0: --port-file is required\n" unless $opt{'port-file'};

my $MAX_REQUEST = 65536;
my $json = JSON::PP->new->canonical;

my $listener = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
    ReuseAddr => 1, Proto => 'tcp')
    or die "$0: cannot listen on 127.0.0.1: $!\n";
open my $pf, '>', "$opt{'port-file'}.tmp" or die "$0: $opt{'port-file'}.tmp: $!\n";
print $pf $listener->sockport, "\n";
close $pf or die "$0: $opt{'port-file'}.tmp: $!\n";
rename "$opt{'port-file'}.tmp", $opt{'port-file'} or die "$0: $opt{'port-file'}: $!\n";

my $stopping = 0;
$SIG{TERM} = $SIG{INT} = sub { $stopping = 1 };
$SIG{PIPE} = 'IGNORE';

my %sessions;    # Engine.IO sid => {user, cookie, queue}
my $deadline = time + $opt{lifetime};
my $sel = IO::Select->new($listener);
while (!$stopping && time < $deadline) {
    last if $opt{parent} && !kill(0, $opt{parent});
    $sel->can_read(1) or next;
    my $conn = $listener->accept or next;
    eval { serve($conn); 1 } or warn "eio-backend: $@";
    close $conn;
}
exit 0;

sub random_id { join '', map { ('a' .. 'z', 'A' .. 'Z', 0 .. 9)[rand 62] } 1 .. 20 }

sub respond {
    my ($conn, $status, $type, $body) = @_;
    print $conn "HTTP/1.1 $status\r\nContent-Type: $type\r\n",
        "Content-Length: ", length($body), "\r\nConnection: close\r\n\r\n", $body;
}

sub read_request {
    my ($conn) = @_;
    my $buf = '';
    my $conn_sel = IO::Select->new($conn);
    my $end;
    while (($end = index $buf, "\r\n\r\n") < 0) {
        die "request head too long\n" if length $buf > $MAX_REQUEST;
        $conn_sel->can_read(10) or die "timed out reading the request\n";
        sysread($conn, $buf, 65536, length $buf) or die "connection closed early\n";
    }
    my ($line, @lines) = split /\r\n/, substr($buf, 0, $end);
    my ($method, $target) = $line =~ m{^(\S+) (\S+) HTTP/1\.[01]$}
        or die "bad request line\n";
    my %headers;
    for (@lines) {
        my ($name, $value) = /^([^:]+):\s*(.*)$/ or die "bad header line\n";
        $headers{lc $name} = defined $headers{lc $name}
            ? "$headers{lc $name}, $value" : $value;
    }
    my $body = substr $buf, $end + 4;
    my $length = $headers{'content-length'} // 0;
    die "bad Content-Length\n" if $length !~ /^\d+$/ || $length > $MAX_REQUEST;
    while (length $body < $length) {
        $conn_sel->can_read(10) or die "timed out reading the body\n";
        sysread($conn, $body, 65536, length $body) or die "connection closed early\n";
    }
    return ($method, $target, \%headers, $body);
}

sub serve {
    my ($conn) = @_;
    my ($method, $target, $headers, $body) = read_request($conn);
    my ($path, $query) = split /\?/, $target, 2;
    my %q = map { /^([^=]*)=?(.*)$/ } split /&/, $query // '';
    if ($path ne '/socket.io/' || ($q{EIO} // '') ne '4'
        || ($q{transport} // '') ne 'polling') {
        return respond($conn, '404 Not Found', 'text/plain', "only Engine.IO v4 polling here\n");
    }
    my $user = $headers->{'x-socketio-user'};
    if (!defined $user || $user eq '') {
        return respond($conn, '403 Forbidden', 'application/json',
                       '{"code":4,"message":"Forbidden"}');
    }
    if (!defined $q{sid}) {
        return respond($conn, '400 Bad Request', 'application/json',
                       '{"code":2,"message":"Bad handshake method"}')
            unless $method eq 'GET';
        my $sid = random_id();
        $sessions{$sid} = {
            user => $user,
            cookie => defined $headers->{cookie} ? JSON::PP::true : JSON::PP::false,
            queue => [],
        };
        return respond($conn, '200 OK', 'text/plain; charset=UTF-8', '0' . $json->encode({
            sid => $sid, upgrades => [], pingInterval => 25000,
            pingTimeout => 20000, maxPayload => 1000000 }));
    }
    my $session = $sessions{$q{sid}};
    if (!$session || $session->{user} ne $user) {
        return respond($conn, '400 Bad Request', 'application/json',
                       '{"code":1,"message":"Session ID unknown"}');
    }
    if ($method eq 'POST') {
        for my $packet (split /\x1e/, $body) {
            next unless $packet =~ /^40(?:\{.*\})?$/s;
            push @{$session->{queue}},
                '40' . $json->encode({ sid => random_id() }),
                '42' . $json->encode(['hello', { user => $session->{user},
                                                 cookie => $session->{cookie} }]);
        }
        return respond($conn, '200 OK', 'text/plain; charset=UTF-8', 'ok');
    }
    # A GET: what is queued, or a noop packet (a real server would wait
    # for the next packet up to pingInterval; the test never needs that).
    my @packets = splice @{$session->{queue}};
    return respond($conn, '200 OK', 'text/plain; charset=UTF-8',
                   @packets ? join("\x1e", @packets) : '6');
}
