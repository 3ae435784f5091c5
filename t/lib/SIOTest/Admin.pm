package SIOTest::Admin;
# What the tests of t/admin/ share: a session's handle as the admin
# handler shows it (sc_session_handle, in Perl), the id in a cookie, Basic
# credentials and htpasswd lines for the modules in front of
# session-store-adopt.
use strict;
use warnings;

use Digest::SHA qw(sha1_base64 sha256);
use Exporter 'import';
use MIME::Base64 qw(encode_base64);

our @EXPORT_OK = qw(handle_of sid_of basic htpasswd_line cookie_of);

# base64url of the first 16 bytes of SHA-256("mod_session_store handle:" id).
sub handle_of {
    my $h = encode_base64(substr(sha256('mod_session_store handle:' . $_[0]), 0, 16), '');
    $h =~ tr{+/}{-_};
    $h =~ s/=+$//;
    return $h;
}

# The session id in "express.sid=s%3A<id>.<signature>".
sub sid_of {
    my ($cookie) = @_;
    (my $v = $cookie) =~ s/^[^=]+=//;
    $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $v =~ /^s:([A-Za-z0-9_-]{32})\./ ? $1 : undef;
}

# "express.sid=..." from a response's Set-Cookie, or undef.
sub cookie_of {
    my ($res) = @_;
    my ($c) = map { /^(express\.sid=[^;]+)/ ? $1 : () }
              map { $_->[1] } grep { lc $_->[0] eq 'set-cookie' } @{ $res->{headers} };
    return $c;
}

sub basic { ['Authorization', 'Basic ' . encode_base64("$_[0]:$_[1]", '')] }

# A line of an AuthUserFile ({SHA}, which mod_authn_file reads).
sub htpasswd_line { "$_[0]:{SHA}" . sha1_base64($_[1]) . "=\n" }

1;
