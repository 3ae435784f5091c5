package SIOTest::Metrics;
# The status handler's Prometheus text, read by Prometheus's own parser
# (prometheus_client, Debian's python3-prometheus-client, through
# t/admin/parse_metrics.py), never by a regular expression of ours.
#
#   my $m = SIOTest::Metrics::scrape(port => $port);   # or die
#   SIOTest::Metrics::value($m, 'socketio_auth_refusals_total',
#                           reason => 'no_cookie', status => '401');
#   SIOTest::Metrics::family($m, 'session_store_lookups')->{type};
use strict;
use warnings;

use File::Spec::Functions qw(catfile);
use IPC::Open3 qw(open3);
use Symbol qw(gensym);
use SIOTest qw(http header_value test_var decode_json);

use constant PYTHON => '/usr/bin/python3';

sub script { catfile(test_var('t_dir'), 'admin', 'parse_metrics.py') }

# Debian's python3 with the library (not a python3 elsewhere on PATH).
sub available {
    return 0 unless -x PYTHON;
    return system(PYTHON, '-c', 'import prometheus_client.parser') == 0;
}

# Parse $text: (the families, '') or (undef, the parser's complaint).
sub parse {
    my ($text) = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, PYTHON, script());
    print $in $text;
    close $in;
    local $/;
    my $json = <$out> // '';
    my $why = <$err> // '';
    waitpid($pid, 0);
    return (undef, $why || "exit status $?") if $?;
    my $v = decode_json($json);
    return $v ? ($v->{families}, '') : (undef, "not JSON: $json");
}

# GET the exposition (path default /session-status?format=prometheus) and
# parse it; dies when the answer is not 200 or does not parse.
sub scrape {
    my %a = @_;
    my $res = http(path => $a{path} || '/session-status?format=prometheus',
                   port => $a{port}, headers => $a{headers} || []);
    die "scrape: $res->{status} $res->{body}\n" unless $res->{status} == 200;
    my ($families, $why) = parse($res->{body});
    die "scrape: $why\n" unless $families;
    return $families;
}

sub family {
    my ($m, $name) = @_;
    return $m->{$name};
}

# The value of the sample $name (as written, _total included) whose labels
# are exactly %labels; undef when there is none.
sub value {
    my ($m, $name, %labels) = @_;
    (my $fam = $name) =~ s/_(total|bucket|sum|count)$//;
    for my $f ($m->{$name} ? $m->{$name} : (), $m->{$fam} ? $m->{$fam} : ()) {
        SAMPLE: for my $s (@{ $f->{samples} }) {
            next unless $s->[0] eq $name;
            next unless keys %{ $s->[1] } == keys %labels;
            for (keys %labels) {
                next SAMPLE unless ($s->[1]{$_} // '') eq $labels{$_};
            }
            return $s->[2];
        }
    }
    return undef;
}

1;
