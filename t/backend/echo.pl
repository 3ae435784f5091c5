#!/usr/bin/env perl
# The backend behind the ProxyPass of the Apache::Test suite.
#
#   echo.pl --log FILE --port-file FILE [--port N] [--pid-file FILE]
#           [--parent PID] [--lifetime SECONDS]
#
# Listens on 127.0.0.1 only (port 0: the kernel picks a free one, written to
# --port-file once listening, so the caller never races for a port).
#
# Every request it receives is appended to --log as one JSON line
# {"method","uri","headers":[[name,value],...],"body"}: the tests look for
# a marker of theirs in it to prove that a refused request never got here,
# and read the exact header spellings the proxy forwarded.
#
# A plain request gets 200 (or the status in a "respond=NNN" query
# parameter) and the same JSON; a polling handshake under /bind* gets an
# Engine.IO open packet (engineio_open).  "Upgrade: websocket" gets a
# real 101 (RFC 6455 Sec-WebSocket-Accept) that carries the identity headers
# it received back as X-Echo-Socketio-User / X-Echo-User (with a -Count), and
# then echoes WebSocket frames, so a test can see the tunnel work end to end.
#
# One process per connection, since mod_proxy keeps connections open.  It
# exits on TERM/INT, when --parent is gone, or after --lifetime seconds, so
# a killed test run does not leave it behind.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Getopt::Long;
use JSON::PP ();
use Digest::SHA qw(sha1_base64);
use Fcntl qw(:flock O_WRONLY O_APPEND O_CREAT);
use POSIX ();

my %opt = (port => 0, lifetime => 900, idle => 20);
GetOptions(\%opt, 'port=i', 'port-file=s', 'pid-file=s', 'log=s',
           'parent=i', 'lifetime=i', 'idle=i')
    or die "usage: $0 --log FILE --port-file FILE [--port N]\n";
die "$0: --log and --port-file are required\n"
    unless $opt{log} && $opt{'port-file'};

my $WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
my $json = JSON::PP->new->canonical->utf8(0);
my $MAX_HEAD = 65536;
my $MAX_BODY = 1 << 20;

my $listener = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1', LocalPort => $opt{port}, Listen => 64,
    ReuseAddr => 1, Proto => 'tcp')
    or die "$0: cannot listen on 127.0.0.1:$opt{port}: $!\n";

write_atomic($opt{'pid-file'}, "$$\n") if $opt{'pid-file'};
write_atomic($opt{'port-file'}, $listener->sockport . "\n");

my %kids;
my $stopping = 0;
$SIG{CHLD} = sub {
    while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
        delete $kids{$pid};
    }
};
$SIG{TERM} = $SIG{INT} = $SIG{HUP} = sub { $stopping = 1 };
$SIG{PIPE} = 'IGNORE';

my $deadline = time + $opt{lifetime};
my $sel = IO::Select->new($listener);
while (!$stopping && time < $deadline) {
    if ($opt{parent} && !kill(0, $opt{parent})) {
        last;
    }
    my @ready = $sel->can_read(1) or next;
    my $conn = $listener->accept or next;
    my $pid = fork;
    if (!defined $pid) {
        close $conn;
        next;
    }
    if ($pid == 0) {
        $SIG{TERM} = $SIG{INT} = $SIG{HUP} = 'DEFAULT';
        $SIG{CHLD} = 'DEFAULT';
        close $listener;
        serve($conn);
        POSIX::_exit(0);
    }
    $kids{$pid} = 1;
    close $conn;
}
close $listener;
kill 'TERM', keys %kids if %kids;
unlink $opt{'pid-file'} if $opt{'pid-file'};
exit 0;

sub write_atomic {
    my ($file, $text) = @_;
    open my $fh, '>', "$file.tmp" or die "$0: $file.tmp: $!\n";
    print $fh $text;
    close $fh or die "$0: $file.tmp: $!\n";
    rename "$file.tmp", $file or die "$0: $file: $!\n";
}

# Read exactly $n bytes into $$buf (which may already hold some), or fail
# after the idle timeout.
sub fill {
    my ($sock, $buf, $n) = @_;
    my $sel = IO::Select->new($sock);
    while (length($$buf) < $n) {
        $sel->can_read($opt{idle}) or return 0;
        my $got = sysread($sock, $$buf, 65536, length $$buf);
        return 0 unless $got;
    }
    return 1;
}

sub read_until {
    my ($sock, $buf, $delim, $max) = @_;
    my $sel = IO::Select->new($sock);
    while (1) {
        my $i = index($$buf, $delim);
        return $i if $i >= 0;
        return -1 if length($$buf) > $max;
        $sel->can_read($opt{idle}) or return -1;
        my $got = sysread($sock, $$buf, 65536, length $$buf);
        return -1 unless $got;
    }
}

sub log_request {
    my ($rec) = @_;
    my $line = $json->encode($rec) . "\n";
    sysopen(my $fh, $opt{log}, O_WRONLY | O_APPEND | O_CREAT, 0644) or return;
    flock($fh, LOCK_EX);
    syswrite($fh, $line);
    close $fh;
}

sub fold { my $n = lc shift; $n =~ tr/_/-/; $n }

sub header_values {
    my ($headers, $name) = @_;
    return map { $_->[1] } grep { fold($_->[0]) eq $name } @$headers;
}

sub serve {
    my ($sock) = @_;
    binmode $sock;
    my $buf = '';
    for (my $n = 0; $n < 1000; $n++) {
        my $end = read_until($sock, \$buf, "\r\n\r\n", $MAX_HEAD);
        return if $end < 0;
        my $head = substr($buf, 0, $end);
        substr($buf, 0, $end + 4) = '';
        my ($line, @lines) = split /\r\n/, $head;
        my ($method, $uri, $proto) = split / /, $line // '', 3;
        return unless $method && $uri;
        my @headers;
        for (@lines) {
            my ($k, $v) = /^([^:]+):[ \t]*(.*?)[ \t]*$/ or next;
            push @headers, [$k, $v];
        }
        my %h1 = map { fold($_->[0]) => $_->[1] } @headers;

        my $body = '';
        if (($h1{'transfer-encoding'} // '') =~ /chunked/i) {
            while (1) {
                my $e = read_until($sock, \$buf, "\r\n", 1024);
                return if $e < 0;
                my $size = hex(substr($buf, 0, $e));
                substr($buf, 0, $e + 2) = '';
                return if length($body) + $size > $MAX_BODY;
                fill($sock, \$buf, $size + 2) or return;
                $body .= substr($buf, 0, $size);
                substr($buf, 0, $size + 2) = '';
                if ($size == 0) {
                    last;
                }
            }
        }
        elsif (my $len = $h1{'content-length'}) {
            return if $len !~ /^\d+$/ || $len > $MAX_BODY;
            fill($sock, \$buf, $len) or return;
            $body = substr($buf, 0, $len);
            substr($buf, 0, $len) = '';
        }

        my $rec = { method => $method, uri => $uri, headers => \@headers,
                    body => $body };
        log_request($rec);

        if (($h1{upgrade} // '') =~ /\bwebsocket\b/i
            && defined $h1{'sec-websocket-key'}) {
            my $accept = sha1_base64($h1{'sec-websocket-key'} . $WS_GUID) . '=';
            my @sio = header_values(\@headers, 'x-socketio-user');
            my @xu = header_values(\@headers, 'x-user');
            my $resp = "HTTP/1.1 101 Switching Protocols\r\n"
                . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                . "Sec-WebSocket-Accept: $accept\r\n"
                . (@sio ? "X-Echo-Socketio-User: " . join(', ', @sio) . "\r\n" : "")
                . "X-Echo-Socketio-User-Count: " . scalar(@sio) . "\r\n"
                . (@xu ? "X-Echo-User: " . join(', ', @xu) . "\r\n" : "")
                . "X-Echo-User-Count: " . scalar(@xu) . "\r\n\r\n";
            syswrite($sock, $resp);
            websocket_echo($sock, \$buf);
            return;
        }

        my $close = ($h1{connection} // '') =~ /close/i
                    || ($proto // '') eq 'HTTP/1.0';
        if ($uri =~ m{^/bind} && $method eq 'GET'
            && $uri =~ /[?&]transport=polling(?:&|$)/ && $uri !~ /[?&]sid=/) {
            engineio_open($sock, $uri, \%h1);
            return if $close;
            next;
        }

        my $out = $json->encode($rec);
        # "respond=403" in the query: the app refusing a signed-in user.
        my ($code) = $uri =~ /[?&]respond=([1-5]\d\d)(?:&|$)/;
        $code ||= 200;
        my $resp = "HTTP/1.1 $code Echo\r\nContent-Type: application/json\r\n"
            . "Content-Length: " . length($out) . "\r\n"
            . ($close ? "Connection: close\r\n" : "") . "\r\n" . $out;
        syswrite($sock, $resp);
        return if $close;
    }
}

# Under /bind*, a polling handshake (GET, transport=polling, no sid) is
# answered as engine.io answers it: an open packet with a fresh sid, as
# text/plain.  eio3=1 frames it as Engine.IO 3 does ("<length>:"), gzip=1
# compresses it when the request allows gzip, split=N sends the first N
# bytes of the body, then the rest a moment later.
sub engineio_open {
    my ($sock, $uri, $h) = @_;
    my @abc = ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_');
    my $sid = join '', map { $abc[int rand @abc] } 1 .. 20;
    my $body = qq(0{"sid":"$sid","upgrades":["websocket"],)
             . qq("pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000});
    $body = length($body) . ":$body" if $uri =~ /[?&]eio3=1(?:&|$)/;
    my $enc = '';
    if ($uri =~ /[?&]gzip=1(?:&|$)/ && ($h->{'accept-encoding'} // '') =~ /gzip/) {
        require IO::Compress::Gzip;
        my $gz;
        IO::Compress::Gzip::gzip(\$body => \$gz) or die "gzip failed\n";
        $body = $gz;
        $enc = "Content-Encoding: gzip\r\n";
    }
    my $head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        . $enc . "Content-Length: " . length($body) . "\r\n\r\n";
    my ($split) = $uri =~ /[?&]split=(\d+)(?:&|$)/;
    if ($split && $split < length $body) {
        syswrite($sock, $head . substr($body, 0, $split));
        select(undef, undef, undef, 0.3);
        syswrite($sock, substr($body, $split));
    }
    else {
        syswrite($sock, $head . $body);
    }
}

# RFC 6455 frames from the client are masked; ours are not.  Echo text and
# binary, answer ping, answer close and stop.
sub websocket_echo {
    my ($sock, $buf) = @_;
    for (my $n = 0; $n < 1000; $n++) {
        fill($sock, $buf, 2) or return;
        my ($b0, $b1) = unpack 'CC', $$buf;
        my $op = $b0 & 0x0f;
        my $masked = $b1 & 0x80;
        my $len = $b1 & 0x7f;
        my $off = 2;
        if ($len == 126) {
            fill($sock, $buf, 4) or return;
            $len = unpack 'n', substr($$buf, 2, 2);
            $off = 4;
        }
        elsif ($len == 127) {
            return;    # far larger than any test sends
        }
        my $need = $off + ($masked ? 4 : 0) + $len;
        fill($sock, $buf, $need) or return;
        my $payload = substr($$buf, $off + ($masked ? 4 : 0), $len);
        if ($masked) {
            my $key = substr($$buf, $off, 4);
            my $mask = substr($key x (int($len / 4) + 1), 0, $len);
            $payload ^= $mask;
        }
        substr($$buf, 0, $need) = '';
        my $reply_op = $op == 0x9 ? 0xA : $op;
        my $hdr = $len < 126 ? pack('CC', 0x80 | $reply_op, $len)
                             : pack('CCn', 0x80 | $reply_op, 126, $len);
        if ($op == 0x8) {
            syswrite($sock, $hdr . $payload);
            return;
        }
        next if $op == 0xA;
        syswrite($sock, $hdr . $payload);
    }
}
