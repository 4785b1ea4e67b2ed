#!/usr/bin/perl
# gen_language_table.pl: generates language_table.inc from cloc's own tables.
#
# Usage: perl runtime/analyze/gen_language_table.pl /usr/bin/cloc \
#            > runtime/analyze/language_table.inc
#
# cloc keeps its language knowledge in `sub set_constants`: extension, file
# name, prefix and interpreter maps, the not-code lists, the end-of-line
# continuation regexes, and per language a list of filters (Perl subs with
# regex arguments). This script evaluates that sub (and only that sub) and
# translates each filter into one of the primitive operations the C++ line
# counter implements (see line_counter.cc). A filter this script cannot
# translate exactly is dropped and the language is marked inexact; the
# generated table lists those languages so the docs can say so.
use strict;
use warnings;
no warnings 'once';

my $cloc = shift @ARGV // '/usr/bin/cloc';
open(my $fh, '<', $cloc) or die "cannot read $cloc: $!\n";
my $src = do { local $/; <$fh> };
close $fh;
my ($version) = $src =~ /^my \$VERSION\s*=\s*"?([0-9.]+)"?/m;
$version //= 'unknown';
$src =~ /(sub set_constants \{.*?\n\}\s*#\s*1\}\}\}\n)/s
    or die "set_constants not found in $cloc\n";
{
    no strict;
    eval $1;
    die $@ if $@;
}
my (%ext, %script, %file, %prefix, %filters, %nce, %ncf, %scale, %kba, %eol);
set_constants(\%ext, \%script, \%file, \%prefix, \%filters, \%nce, \%ncf,
              \%scale, \%kba, \%eol);

# Extension collisions cloc resolves by looking at the content.
my %resolver = (
    'PHP/Pascal'                => 'kPhpOrPascal',
    'Perl/Prolog'               => 'kPerlOrProlog',
    'Raku/Prolog'               => 'kRakuOrProlog',
    'TypeScript/Qt Linguist'    => 'kTypeScriptOrQtLinguist',
    'D/dtrace'                  => 'kDOrDtrace',
    'Ant/XML'                   => 'kAntOrXml',
    'Maven/XML'                 => 'kMavenOrXml',
    'IDL/Qt Project/Prolog/ProGuard' => 'kIdlOrQtProject',
    'Brainfuck?'                => 'kBrainfuck',
);
# Collisions resolved to a fixed language (approximation, documented).
my %fixed = (
    'ADSO/IDSM'                                    => 'ADSO/IDSM',
    'C#/Smalltalk'                                 => 'C#',
    'F#/Forth'                                     => 'F#',
    'Fortran 77/Forth'                             => 'Fortran 77',
    'Lisp/Julia'                                   => 'Lisp',
    'Lisp/OpenCL'                                  => 'Lisp',
    'MATLAB/Mathematica/Objective-C/MUMPS/Mercury' => 'Objective-C',
    'Pascal/Puppet'                                => 'Pascal',
    'Qt/Glade'                                     => 'Qt',
    'Verilog-SystemVerilog/Coq'                    => 'Verilog-SystemVerilog',
    'Visual Basic/TeX/Apex Class'                  => 'Visual Basic',
    'Scheme/SaltStack'                             => 'Scheme',
    'Smarty'                                       => 'Smarty',
);

sub cstr {
    my ($s) = @_;
    my $out = '';
    for my $c (split //, $s) {
        my $o = ord $c;
        if    ($c eq '"')  { $out .= '\\"'; }
        elsif ($c eq '\\') { $out .= '\\\\'; }
        elsif ($o < 32 || $o > 126) { $out .= sprintf('\\%03o', $o); }
        else               { $out .= $c; }
    }
    return "\"$out\"";
}

# Parses the regex subset remove_matches / remove_below use:
#   [^[\s*]] literal-with-escapes [(A|B)] ... [.*$]
# Returns (anchor, [alternatives]) or () when outside the subset.
sub parse_line_regex {
    my ($re) = @_;
    my $anchor = 'Anchor::kAnywhere';
    if ($re =~ s/^\^\\s\*//) { $anchor = 'Anchor::kAfterSpace'; }
    elsif ($re =~ s/^\^//)    { $anchor = 'Anchor::kLineStart'; }
    $re =~ s/\.\*\$$//;
    my $space_after = ($re =~ s/\\s$//) ? 1 : 0;
    my @alts = ('');
    while (length $re) {
        if ($re =~ s/^\\x\{([0-9a-fA-F]+)\}//) {
            my $cp = hex $1;
            return () if $cp > 255;   # wide characters: outside the subset
            $_ .= chr($cp) for @alts;
        } elsif ($re =~ s/^\\([0-7]{2,3})//) {
            my $c = chr(oct $1);
            $_ .= $c for @alts;
        } elsif ($re =~ s/^\\([^A-Za-z0-9])//) {
            my $c = $1;
            $_ .= $c for @alts;
        } elsif ($re =~ s/^\(([^()\\|.*+?\[\]{}^\$]+(?:\|[^()\\|.*+?\[\]{}^\$]+)+)\)//) {
            my @choices = split /\|/, $1;
            @alts = map { my $p = $_; map { $p . $_ } @choices } @alts;
        } elsif ($re =~ s/^([^\\()|.*+?\[\]{}^\$])//) {
            my $c = $1;
            $_ .= $c for @alts;
        } else {
            return ();
        }
    }
    return () if @alts > 3 || grep { $_ eq '' } @alts;
    return ($anchor, \@alts, $space_after);
}

sub matcher {
    my ($anchor, $alts, $icase, $space_after) = @_;
    my @a = (@$alts, ('') x (3 - @$alts));
    return sprintf('{%s, %s, %s, %d, {%s}}', $anchor, $icase ? 'true' : 'false',
                   $space_after ? 'true' : 'false',
                   scalar @$alts, join(', ', map { cstr($_) } @a));
}
my $no_matcher = '{Anchor::kAnywhere, false, false, 0, {"", "", ""}}';

sub filter_entry {
    my ($op, $m1, $m2, $s1, $s2) = @_;
    return sprintf('{FilterOp::%s, %s, %s, %s, %s}', $op, $m1 // $no_matcher,
                   $m2 // $no_matcher, cstr($s1 // ''), cstr($s2 // ''));
}

# Translates one cloc filter. Returns (entry or undef, exact flag).
sub translate {
    my ($f) = @_;
    my ($name, @args) = @$f;
    # Filters that do nothing under cloc's defaults.
    return (undef, 1) if $name eq 'rm_comments_in_strings';  # --strip-str-comments only
    return (undef, 1) if $name eq 'remove_inline';           # --inline only
    if ($name eq 'remove_matches') {
        return (undef, 1) if $args[0] eq '^\s*$';   # blank lines: already gone
        my ($anchor, $alts, $space) = parse_line_regex($args[0]);
        return (undef, 0) unless $anchor;
        return (filter_entry('kDropMatching', matcher($anchor, $alts, 1, $space)), 1);
    }
    if ($name eq 'remove_below') {
        my ($anchor, $alts, $space) = parse_line_regex($args[0]);
        return (undef, 0) unless $anchor;
        return (filter_entry('kRemoveBelow', matcher($anchor, $alts, 0, $space)), 1);
    }
    if ($name eq 'remove_below_above') {
        my ($a1, $l1, $s1) = parse_line_regex($args[0]);
        my ($a2, $l2, $s2) = parse_line_regex($args[1]);
        return (undef, 0) unless $a1 && $a2;
        return (filter_entry('kRemoveBelowAbove', matcher($a1, $l1, 0, $s1),
                             matcher($a2, $l2, 0, $s2)), 1);
    }
    if ($name eq 'call_regexp_common') {
        return (filter_entry('kCxxComments'), 1) if $args[0] eq 'C++';
        return (filter_entry('kCComments'), 1)   if $args[0] eq 'C';
        return (undef, 0);
    }
    if ($name eq 'powershell_to_C') {
        return (filter_entry('kPowershellToC'), 1);
    }
    if ($name eq 'docstring_to_C') {
        return (filter_entry('kDocstringToC'), 1);
    }
    if ($name eq 'remove_between_general') {
        return (filter_entry('kRemoveBetween', undef, undef, $args[0], $args[1]), 1);
    }
    if ($name eq 'remove_between_regex' && $args[0] eq '\{[^$]' && $args[1] eq '}') {
        return (filter_entry('kRemoveBetweenBraceNotDollar'), 1);
    }
    if ($name eq 'remove_between_regex'
        && $args[0] eq '\[(comment|\/\/)?\]\s*:?\s*(<\s*>|#)?\s*\(.*?'
        && $args[1] eq '.*?\)') {
        return (filter_entry('kRemoveBetweenLinkComment'), 1);
    }
    if ($name eq 'remove_between_regex' && $args[0] eq '^\.\.'
        && $args[1] eq '^[^ \n\t\r\f\.]') {
        return (filter_entry('kRestructuredTextComments'), 1);
    }
    if ($name eq 'remove_html_comments') {
        return (filter_entry('kRemoveHtmlComments'), 1);
    }
    if ($name eq 'replace_regex' && $args[0] eq '\\\\$' && $args[1] eq ' ') {
        return (filter_entry('kReplaceTrailingBackslash'), 1);
    }
    if ($name eq 'replace_between_regex' && $args[1] eq '(.*?)' && $args[2] eq '"xx"'
        && !defined $args[3]) {
        return (filter_entry('kReplaceQuotedMarker', undef, undef, '/*'), 1)
            if $args[0] eq q{(["'])(.*?/\*)\g1};
        return (filter_entry('kReplaceQuotedMarker', undef, undef, '*/'), 1)
            if $args[0] eq q{(["'])(.*?\*/)\g1};
    }
    if ($name eq 'replace_between_regex' && $args[0] eq q{(["'])(.*?/)(\*.*?)\g1}
        && $args[1] eq '(.*?)' && $args[2] eq '"$1$2$1 + $1$3$1$4"'
        && defined $args[3] && $args[3] eq '0') {
        return (filter_entry('kSplitQuotedCommentStart'), 1);
    }
    return (undef, 0);
}

my %script_lang = map { $_ => 1 } values %script;
my @names = sort keys %filters;
my %index;
my @lang_lines;
my @filter_arrays;
my @inexact;
for my $i (0 .. $#names) {
    my $l = $names[$i];
    $index{$l} = $i;
    my @entries;
    my $exact = 1;
    my $die = 0;
    for my $f (@{$filters{$l}}) {
        if ($f->[0] eq 'die') { $die = 1; next; }
        my ($entry, $ok) = translate($f);
        $exact &&= $ok;
        push @entries, $entry if defined $entry;
    }
    push @inexact, $l unless $exact || $die;
    my $arr = 'nullptr';
    if (@entries) {
        $arr = "kFilters$i";
        push @filter_arrays, "inline constexpr FilterSpec $arr\[\] = {\n    "
            . join(",\n    ", @entries) . "};\n";
    }
    my $resolver = 'kNone';
    $resolver = $resolver{$l} if $resolver{$l};
    push @lang_lines, sprintf('    {%s, %s, %d, %s, %s, %s, %s, Resolver::%s},',
        cstr($l), $arr, scalar @entries,
        defined $eol{$l} ? 'true' : 'false',
        $script_lang{$l} ? 'true' : 'false',
        $exact ? 'true' : 'false',
        $die ? 'true' : 'false',
        $resolver);
}
for my $pseudo (sort keys %resolver) {
    next if defined $index{$pseudo};
    my $i = scalar @lang_lines;
    $index{$pseudo} = $i;
    push @names, $pseudo;
    push @lang_lines, sprintf('    {%s, nullptr, 0, false, false, true, true, Resolver::%s},',
        cstr($pseudo), $resolver{$pseudo});
}

sub lang_index {
    my ($l) = @_;
    $l = $fixed{$l} if defined $fixed{$l} && !$resolver{$l};
    die "no language $l\n" unless defined $index{$l};
    return $index{$l};
}

sub pairs {
    my ($name, $h) = @_;
    $h = { map { $_ => ($h->{$_} eq 'Brainfuck' ? 'Brainfuck?' : $h->{$_}) } keys %$h };
    my @rows = map { sprintf('    {%s, %d},', cstr($_), lang_index($h->{$_})) }
               sort keys %$h;
    return "inline constexpr NameToLanguage $name\[\] = {\n" . join("\n", @rows) . "\n};\n";
}
sub names {
    my ($name, $h) = @_;
    my @rows = map { '    ' . cstr($_) . ',' } sort keys %$h;
    return "inline constexpr std::string_view $name\[\] = {\n" . join("\n", @rows) . "\n};\n";
}

print "// Generated by runtime/analyze/gen_language_table.pl from cloc $version\n";
print "// ($cloc). Do not edit: regenerate. Included by language.cc only.\n";
print "// Languages whose cloc filters are not all translated (their comment\n";
print "// counts are approximate): ", join(', ', @inexact), ".\n\n";
print "// clang-format off\n";
print "inline constexpr std::string_view kClocVersion = \"$version\";\n\n";
print join("\n", @filter_arrays), "\n";
print "inline constexpr LanguageSpec kLanguages[] = {\n", join("\n", @lang_lines), "\n};\n\n";
print pairs('kByExtension', \%ext), "\n";
print pairs('kByFileName', \%file), "\n";
print pairs('kByPrefix', \%prefix), "\n";
print pairs('kByInterpreter', \%script), "\n";
print names('kNotCodeExtensions', \%nce), "\n";
print names('kNotCodeFileNames', \%ncf), "\n";
print "// clang-format on\n";
