#!/usr/bin/env bash
# it_docs.sh - integration test: the documentation agrees with wsc's option table.
#
# The reference is the option table itself, as the hidden "$WSC --dump-options" prints it (one
# row a line: short, long, type, argument name, values), so a new row is checked as soon as it
# exists. "wsc --help" must show every row. The long options must be exactly the option entries
# of the man page and the options of each shell completion (bash, zsh, fish): an option missing
# from a document fails, and so does a document naming an option the table does not know. Short
# options paired with a long one ("-s, --subprotocol") must be paired the same way everywhere.
# Each document must agree on which options take an argument, and list exactly the values of
# each option whose values the table knows (--protocol, --binary-format, --color). Every status in the man page's EXIT STATUS table must be in the exit code table
# of README.md, and back. The man page must render cleanly and have the sections the house
# style asks for; the completion files must parse and complete option names and the values
# they know (--protocol, --binary-format, --cacert).
#
# Standalone: needs $WSC (default: build/wsc beside this directory), bash and coreutils;
# uses groff, mandoc, zsh and fish when installed and skips those checks, saying so, when not.
# Prints "ok - NAME", "ok - NAME # SKIP why" or "not ok - NAME: why"; exits 1 if any failed.
#
# Where each document lists its options (see the comment at the top of each file):
#   man/wsc.1              ".It Fl s , Fl \-subprotocol Ar name" entries
#   completions/wsc.bash   table lines "-s  --subprotocol  arg"
#   completions/_wsc       _arguments specs '--host=[..]' and {-s+,--subprotocol=}'[..]'
#   completions/wsc.fish   "complete -c wsc -s s -l subprotocol ..." lines

# shellcheck disable=SC2317 # the *_pairs functions are called through $pairs
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
WSC=${WSC:-$root/build/wsc}
man_page=$root/man/wsc.1
bash_comp=$root/completions/wsc.bash
zsh_comp=$root/completions/_wsc
fish_comp=$root/completions/wsc.fish
readme=$root/README.md

tmp=$(mktemp -d "${TMPDIR:-/tmp}/it_docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

failed=0
pass() { echo "ok - $1"; }
fail() {
    echo "not ok - $1: $2"
    failed=$((failed + 1))
}
skip() { echo "ok - $1 # SKIP $2"; }

# --- extractors: each prints a sorted list, one item a line -----------------------------------

# "--name" tokens of stdin that are not part of a longer word.
long_tokens() {
    grep -oE -- '(^|[^A-Za-z0-9_-])--[a-z][a-z0-9-]*(\.[0-9]+)?' | sed -E 's/^[^-]+//' | sort -u
}

# Lines of a shell file without its comment lines.
code_lines() { grep -vE '^[[:space:]]*#' "$1"; }

# The man source with "\-" as "-" and "Fl -name" as "--name"; comment lines dropped.
man_text() {
    grep -v '^\.\\"' "$man_page" | sed -e 's/\\-/-/g' -e 's/Fl -\([a-z]\)/--\1/g'
}

# Long options in .It entries that start with Fl (the option lists).
man_entry_longs() { man_text | grep -E '^\.It (Fl |--)' | long_tokens; }

# "-x --long" pairs: from --help ("-x, --long" or "-x ARG, --long"), then from each document.
help_pairs() {
    grep -oE -- '(^|[[:space:]])-[A-Za-z0-9]( [^ ,]+)?, +--[a-z][a-z0-9-]*(\.[0-9]+)?' "$tmp/help" |
        sed -E 's/^[[:space:]]*(-[A-Za-z0-9]).*(--[a-z][a-z0-9-]*(\.[0-9]+)?)$/\1 \2/' | sort -u
}
man_pairs() {
    man_text | grep -E '^\.It Fl [A-Za-z0-9] .*--[a-z]' |
        sed -E 's/^\.It Fl ([A-Za-z0-9]) .*(--[a-z][a-z0-9-]*(\.[0-9]+)?).*$/-\1 \2/' | sort -u
}
bash_pairs() {
    code_lines "$bash_comp" | grep -E '^[[:space:]]*-[A-Za-z0-9][[:space:]]+--[a-z]' |
        sed -E 's/^[[:space:]]*(-[A-Za-z0-9])[[:space:]]+(--[a-z][a-z0-9-]*(\.[0-9]+)?).*$/\1 \2/' | sort -u
}
zsh_pairs() {
    code_lines "$zsh_comp" | grep -oE '\{-[A-Za-z0-9][+=-]?,--[a-z][a-z0-9-]*(\.[0-9]+)?' |
        sed -E 's/^\{(-[A-Za-z0-9])[+=-]?,(--[a-z][a-z0-9-]*(\.[0-9]+)?)$/\1 \2/' | sort -u
}
# "complete" lines: the words after -s and -l, up to the description or argument list.
fish_fields() {
    code_lines "$fish_comp" | awk '$1 == "complete" {
        s = ""; l = ""
        for (i = 2; i < NF; i++) {
            if ($i == "-d" || $i == "-a" || $i == "-n") break
            if ($i == "-s") s = "-" $(i + 1)
            if ($i == "-l") l = "--" $(i + 1)
        }
        if (l != "") print s, l
    }'
}
fish_longs() { fish_fields | awk '{ print $NF }' | sort -u; }
fish_pairs() { fish_fields | awk 'NF == 2' | sort -u; }

# Compare a document's list ($3, a file) with the reference ($2) and report under name $1.
# $4 says what the items are and $5 what the reference is (default --help), for the message.
same_set() {
    local name=$1 ref=$2 got=$3 what=$4 refname=${5:-the option table} missing extra why=
    missing=$(comm -23 "$ref" "$got" | tr '\n' ' ')
    extra=$(comm -13 "$ref" "$got" | tr '\n' ' ')
    [ -n "$missing" ] && why="missing ${missing% }"
    [ -n "$extra" ] && why="${why:+$why; }$what not in $refname: ${extra% }"
    if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# --- the option table and wsc --help ------------------------------------------------------------

if [ ! -x "$WSC" ]; then
    fail "wsc binary" "$WSC is not an executable (set WSC)"
    exit 1
fi
"$WSC" --help >"$tmp/help" 2>"$tmp/help.err"
rc=$?
if [ "$rc" -eq 0 ]; then pass "help exits 0"; else fail "help exits 0" "exit status $rc"; fi
"$WSC" --dump-options >"$tmp/dump" 2>"$tmp/dump.err"
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$tmp/dump" ]; then pass "--dump-options lists the option table"; else
    fail "--dump-options lists the option table" "exit status $rc, $(head -c 200 "$tmp/dump.err")"
    exit 1
fi
# From here on "help.longs" and "help.pairs" are the table's; --help must show the same.
cut -f2 "$tmp/dump" | sort -u >"$tmp/help.longs"
awk -F'\t' '$1 != "-" { print $1, $2 }' "$tmp/dump" | sort -u >"$tmp/help.pairs"
long_tokens <"$tmp/help" >"$tmp/help.shown"
help_pairs >"$tmp/help.shown.pairs"
same_set "--help shows every option of the table" "$tmp/help.longs" "$tmp/help.shown" "options" \
    "the option table"
same_set "--help pairs short options as the table does" "$tmp/help.pairs" \
    "$tmp/help.shown.pairs" "pairs" "the option table"
# "--long arg" or "--long flag", and "--long v1 v2 ..." (values sorted) from the table.
awk -F'\t' '{ print $2, ($4 == "-" ? "flag" : "arg") }' "$tmp/dump" | sort -u >"$tmp/table.args"
# "--long v1 v2 ..." lines, values sorted: sorted_values <<< "--long v2 v1".
sorted_values() {
    local long rest v
    while read -r long rest; do
        read -ra v <<<"$rest"
        [ -n "$long" ] && echo "$long $(printf '%s\n' "${v[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
    done | sort -u
}
awk -F'\t' '$5 != "-" { print $2, $5 }' "$tmp/dump" | sorted_values >"$tmp/table.values"

# --- long options in every document ------------------------------------------------------------

for f in "$man_page" "$bash_comp" "$zsh_comp" "$fish_comp"; do
    [ -r "$f" ] || fail "${f#"$root"/} exists" "cannot read $f"
done

if [ -r "$man_page" ]; then
    man_entry_longs >"$tmp/man.entries"
    same_set "man page has an entry for each long option" "$tmp/help.longs" "$tmp/man.entries" \
        "entries for options"
    # Any mention anywhere (synopsis, text, examples) must be an option --help knows.
    man_text | long_tokens >"$tmp/man.all"
    extra=$(comm -13 "$tmp/help.longs" "$tmp/man.all" | tr '\n' ' ')
    if [ -z "$extra" ]; then
        pass "man page mentions only options --help knows"
    else
        fail "man page mentions only options --help knows" "not in the table: ${extra% }"
    fi
fi
if [ -r "$bash_comp" ]; then
    code_lines "$bash_comp" | long_tokens >"$tmp/bash.longs"
    same_set "bash completion has each long option" "$tmp/help.longs" "$tmp/bash.longs" "options"
fi
if [ -r "$zsh_comp" ]; then
    code_lines "$zsh_comp" | long_tokens >"$tmp/zsh.longs"
    same_set "zsh completion has each long option" "$tmp/help.longs" "$tmp/zsh.longs" "options"
fi
if [ -r "$fish_comp" ]; then
    fish_longs >"$tmp/fish.longs"
    same_set "fish completion has each long option" "$tmp/help.longs" "$tmp/fish.longs" "options"
fi

# --- short options, paired with the same long option everywhere --------------------------------

if [ ! -s "$tmp/help.pairs" ]; then
    skip "short options" "the table has no short options"
else
    for doc in man bash zsh fish; do
        case $doc in
        man) f=$man_page pairs=man_pairs ;;
        bash) f=$bash_comp pairs=bash_pairs ;;
        zsh) f=$zsh_comp pairs=zsh_pairs ;;
        fish) f=$fish_comp pairs=fish_pairs ;;
        esac
        [ -r "$f" ] || continue
        "$pairs" >"$tmp/$doc.pairs"
        same_set "$doc: short options paired as in --help" "$tmp/help.pairs" "$tmp/$doc.pairs" \
            "pairs"
    done
fi

# --- which options take an argument, and the values they list -----------------------------------

man_args() {
    man_text | grep -E '^\.It (Fl |--)' | while read -r line; do
        kind=flag
        case " $line " in *" Ar "* | *" Cm "*) kind=arg ;; esac
        for l in $(echo "$line" | long_tokens); do echo "$l $kind"; done
    done | sort -u
}
man_values() {
    man_text | grep -E '^\.It (Fl |--).* Cm ' | while read -r line; do
        echo "$(echo "$line" | long_tokens | tail -n 1) $(echo "${line#* Cm }" | tr -d '|')"
    done | sorted_values
}
bash_table() { code_lines "$bash_comp" | grep -E '^[[:space:]]*-[A-Za-z0-9]?[[:space:]]+--[a-z]'; }
bash_args() { bash_table | awk '{ print $2, ($3 == "-" ? "flag" : "arg") }' | sort -u; }
bash_values() { bash_table | awk '$3 ~ /^words:/ { $1 = ""; sub(/words:/, ""); print }' | sorted_values; }
zsh_args() {
    code_lines "$zsh_comp" | grep -oE -- '--[a-z][a-z0-9-]*(\.[0-9]+)?(=|\[|\})' |
        sed -E 's/=$/ arg/; s/[[}]$/ flag/' | sort -u
}
zsh_values() {
    code_lines "$zsh_comp" | grep -E -- ":\([^)]*\)'\$" | while read -r line; do
        long=$(echo "$line" | grep -oE -- '--[a-z][a-z0-9-]*(\.[0-9]+)?=' | head -n 1)
        vals=${line##*:(}
        echo "${long%=} ${vals%)\'}"
    done | sorted_values
}
fish_args() {
    code_lines "$fish_comp" | awk '$1 == "complete" {
        l = ""; kind = "flag"
        for (i = 2; i <= NF; i++) {
            if ($i == "-d") break
            if ($i == "-l") l = "--" $(i + 1)
            if ($i == "-x" || $i == "-r") kind = "arg"
        }
        if (l != "") print l, kind
    }' | sort -u
}
fish_values() {
    code_lines "$fish_comp" | grep -E -- " -a '[^(]" | while read -r line; do
        long=$(echo "$line" | grep -oE -- ' -l [a-z][a-z0-9-]*(\.[0-9]+)?' | sed 's/ -l /--/')
        vals=${line#* -a \'}
        echo "$long ${vals%%\'*}"
    done | sorted_values
}
for doc in man bash zsh fish; do
    case $doc in
    man) f=$man_page ;;
    bash) f=$bash_comp ;;
    zsh) f=$zsh_comp ;;
    fish) f=$fish_comp ;;
    esac
    [ -r "$f" ] || continue
    "${doc}_args" >"$tmp/$doc.args"
    same_set "$doc: the options that take an argument are the table's" "$tmp/table.args" \
        "$tmp/$doc.args" "argument kinds"
    "${doc}_values" >"$tmp/$doc.values"
    same_set "$doc: the values listed for each option are the table's" "$tmp/table.values" \
        "$tmp/$doc.values" "value lists"
done

# --- man page: sections and rendering -----------------------------------------------------------

if [ -r "$man_page" ]; then
    missing=
    for sh in NAME SYNOPSIS DESCRIPTION ENVIRONMENT "EXIT STATUS" EXAMPLES; do
        grep -qE "^\.S[hH] \"?$sh\"?\$" "$man_page" || missing="$missing \"$sh\""
    done
    if [ -z "$missing" ]; then pass "man page sections"; else
        fail "man page sections" "missing$missing"
    fi

    if command -v groff >/dev/null 2>&1; then
        if groff -mandoc -Tutf8 -ww -z "$man_page" >"$tmp/groff.err" 2>&1 &&
            [ ! -s "$tmp/groff.err" ]; then
            pass "man page renders with groff without warnings"
        else
            fail "man page renders with groff without warnings" "$(head -n 3 "$tmp/groff.err")"
        fi
    else
        skip "man page renders with groff" "groff is not installed"
    fi
    if command -v mandoc >/dev/null 2>&1; then
        mandoc -Tlint -W warning "$man_page" >"$tmp/mandoc.err" 2>&1
        if [ ! -s "$tmp/mandoc.err" ]; then
            pass "mandoc -Tlint finds no warnings"
        else
            fail "mandoc -Tlint finds no warnings" "$(head -n 3 "$tmp/mandoc.err")"
        fi
    else
        skip "mandoc -Tlint" "mandoc is not installed"
    fi
fi

# --- exit codes: man page EXIT STATUS <-> README.md ---------------------------------------------

if [ -r "$man_page" ]; then
    sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$man_page" |
        sed -nE 's/^\.It ([0-9]+)([[:space:]].*)?$/\1/p' | sort -u >"$tmp/man.codes"
    if [ -s "$tmp/man.codes" ]; then
        pass "man page EXIT STATUS lists codes ($(sort -n "$tmp/man.codes" | tr '\n' ' ' | sed 's/ $//'))"
    else
        fail "man page EXIT STATUS lists codes" "no \".It N Ta ...\" rows under .Sh EXIT STATUS"
    fi
    if [ ! -r "$readme" ]; then
        skip "README exit code table matches the man page" "README.md does not exist yet"
    else
        # The first table under the first heading that says "exit code(s)" or "exit status"
        # (outside code blocks); its rows that start with a number.
        awk '
            /^[[:space:]]*(```|~~~)/ { fence = !fence; next }
            fence { next }
            /^#/ { if (insec) exit; if (tolower($0) ~ /exit (code|status)/) insec = 1; next }
            insec && /^[[:space:]]*\|/ { intable = 1; print; next }
            intable { exit }
        ' "$readme" | awk -F'|' '{ c = $2; gsub(/[[:space:]`*]/, "", c); if (c ~ /^[0-9]+$/) print c }' |
            sort -u >"$tmp/readme.codes"
        if [ ! -s "$tmp/readme.codes" ]; then
            skip "README exit code table matches the man page" \
                "README.md has no exit code table yet (under an \"Exit codes\" heading)"
        else
            same_set "README exit code table matches the man page" "$tmp/man.codes" \
                "$tmp/readme.codes" "codes" "the man page"
        fi
    fi
fi

# --- completion files: syntax ------------------------------------------------------------------

if bash -n "$bash_comp" 2>"$tmp/err"; then pass "bash -n wsc.bash"; else
    fail "bash -n wsc.bash" "$(head -n 1 "$tmp/err")"
fi
if ! command -v zsh >/dev/null 2>&1; then
    skip "zsh -n _wsc" "zsh is not installed"
elif zsh -n "$zsh_comp" 2>"$tmp/err"; then pass "zsh -n _wsc"; else
    fail "zsh -n _wsc" "$(head -n 1 "$tmp/err")"
fi
if ! command -v fish >/dev/null 2>&1; then
    skip "fish -n wsc.fish" "fish is not installed"
elif fish -n "$fish_comp" 2>"$tmp/err"; then pass "fish -n wsc.fish"; else
    fail "fish -n wsc.fish" "$(head -n 1 "$tmp/err")"
fi

# --- completion files: behaviour ---------------------------------------------------------------

has_opt() { grep -qx -- "$1" "$tmp/help.longs"; }
: >"$tmp/ca.pem"

# bash: each long option completes from its first 3 letters after "--"; values.
cat >"$tmp/bash_try.sh" <<'EOF'
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMPREPLY=()
_wsc
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
EOF
bash_try() { bash "$tmp/bash_try.sh" "$bash_comp" wsc "$@" 2>&1 | sort; }
if [ -r "$bash_comp" ]; then
    bad=
    while read -r opt; do
        bash_try "${opt:0:5}" | grep -qx -- "$opt" || bad="$bad $opt"
    done <"$tmp/help.longs"
    if [ -z "$bad" ]; then pass "bash completes every long option"; else
        fail "bash completes every long option" "not offered:$bad"
    fi
    if has_opt --protocol; then
        got=$(bash_try --protocol '' | tr '\n' ' ')
        if [ "$got" = "ws wss " ]; then pass "bash: --protocol offers ws wss"; else
            fail "bash: --protocol offers ws wss" "got \"$got\""
        fi
    fi
    if has_opt --binary-format; then
        got=$(bash_try --binary-format = '' | tr '\n' ' ')
        if [ "$got" = "base64 hex raw " ]; then pass "bash: --binary-format= offers hex base64 raw"
        else fail "bash: --binary-format= offers hex base64 raw" "got \"$got\""; fi
    fi
    # every option whose values the table knows offers exactly them
    bad=
    while read -r long vals; do
        got=$(bash_try "$long" '' | tr '\n' ' ')
        [ "$got" = "$vals " ] || bad="$bad $long (got \"$got\")"
    done <"$tmp/table.values"
    if [ -z "$bad" ]; then pass "bash: each option offers the table's values"; else
        fail "bash: each option offers the table's values" "${bad# }"
    fi
    if has_opt --cacert; then
        got=$(bash_try --cacert "$tmp/ca." | tr '\n' ' ')
        if [ "$got" = "$tmp/ca.pem " ]; then pass "bash: --cacert completes file names"; else
            fail "bash: --cacert completes file names" "got \"$got\""
        fi
    fi
    if has_opt --header; then
        got=$(bash_try --header '' | tr '\n' ' ')
        if [ -z "$got" ]; then pass "bash: --header offers nothing"; else
            fail "bash: --header offers nothing" "got \"$got\""
        fi
    fi
fi

# fish: the same, with fish's own "complete -C".
if ! command -v fish >/dev/null 2>&1; then
    skip "fish completions work" "fish is not installed"
elif [ -r "$fish_comp" ]; then
    # shellcheck disable=SC2016 # $argv is fish's, not ours
    fish_try() {
        fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' "$fish_comp" "$1" 2>&1 |
            cut -f1 | sort
    }
    # One fish process for all the options.
    mapfile -t longs <"$tmp/help.longs"
    # shellcheck disable=SC2016 # $argv and $o are fish's, not ours
    fish --no-config -c 'source $argv[1]; for o in $argv[2..-1]; echo "== $o"; \
        complete -C"wsc "(string sub -l 5 -- $o); end' "$fish_comp" "${longs[@]}" \
        2>&1 | cut -f1 >"$tmp/fish.out"
    bad=
    while read -r opt; do
        sed -n "/^== $opt\$/,/^== /p" "$tmp/fish.out" | grep -qx -- "$opt" || bad="$bad $opt"
    done <"$tmp/help.longs"
    if [ -z "$bad" ]; then pass "fish completes every long option"; else
        fail "fish completes every long option" "not offered:$bad"
    fi
    if has_opt --protocol; then
        got=$(fish_try 'wsc --protocol ' | tr '\n' ' ')
        if [ "$got" = "ws wss " ]; then pass "fish: --protocol offers ws wss"; else
            fail "fish: --protocol offers ws wss" "got \"$got\""
        fi
    fi
    if has_opt --binary-format; then
        got=$(fish_try 'wsc --binary-format ' | tr '\n' ' ')
        if [ "$got" = "base64 hex raw " ]; then pass "fish: --binary-format offers hex base64 raw"
        else fail "fish: --binary-format offers hex base64 raw" "got \"$got\""; fi
    fi
    if has_opt --cacert; then
        got=$(fish_try "wsc --cacert $tmp/ca." | tr '\n' ' ')
        if [ "$got" = "$tmp/ca.pem " ]; then pass "fish: --cacert completes file names"; else
            fail "fish: --cacert completes file names" "got \"$got\""
        fi
    fi
fi

# zsh: drive an interactive zsh on a pseudo-terminal, type LINE and TAB, read the screen.
if ! command -v zsh >/dev/null 2>&1; then
    skip "zsh completions work" "zsh is not installed"
elif ! zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
    skip "zsh completions work" "zsh has no zsh/zpty module"
elif [ -r "$zsh_comp" ]; then
    mkdir -p "$tmp/zfunc" && cp "$zsh_comp" "$tmp/zfunc/_wsc"
    # zsh_try.zsh DIR LINE...: on one interactive zsh with DIR in fpath, type each LINE and a
    # TAB, then print "@@N" and what the terminal showed; ^U clears the line for the next.
    cat >"$tmp/zsh_try.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
dir=$1; shift
zpty z zsh -f -i
zpty -w z "PROMPT_EOL_MARK=''; fpath=($dir \$fpath); autoload -U compinit; compinit -u -D; bindkey '^I' complete-word; setopt nobeep; print RE''ADY; PS1='Z%%>'"
zpty -r z out '*READY*' || exit 3
zpty -r z out '*Z%>*' || exit 3
print -r -- "@@STARTED"
integer n=0
for line in "$@"; do
  (( n++ ))
  zpty -w -n z "$line"$'\t'
  zpty -w -n z "@END$n@"
  zpty -r z out "*@END$n@*" || exit 3
  print -r -- "@@$n"; print -r -- "$out"
  zpty -w -n z $'\C-u'
done
zpty -d z
EOF
    # Each check: the option it needs, the line typed, what the terminal must show then.
    checks=() lines=() wants=()
    while IFS='|' read -r opt line want; do
        has_opt "$opt" || continue
        checks+=("zsh: \"$line\" TAB shows \"$want\"")
        lines+=("${line//@TMP@/$tmp}")
        wants+=("${want//@TMP@/$tmp}")
    done <<'EOF'
--protocol|wsc --protocol |wsc --protocol ws
--protocol|wsc --protocol=w|wsc --protocol=ws
--binary-format|wsc --binary-format b|wsc --binary-format base64
--binary-format|wsc --binary-format=he|wsc --binary-format=hex
--cacert|wsc --cacert @TMP@/ca.|wsc --cacert @TMP@/ca.pem
--insecure|wsc --insec|--insecure
--max-message-size|wsc ws://x --max-m|wsc ws://x --max-message-size
EOF
    timeout 60 zsh -f "$tmp/zsh_try.zsh" "$tmp/zfunc" "${lines[@]}" 2>&1 |
        tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >"$tmp/zsh.out"
    if ! grep -qx '@@STARTED' "$tmp/zsh.out"; then
        skip "zsh completions work" "no interactive zsh on a pseudo-terminal: $(tail -c 100 "$tmp/zsh.out")"
        lines=()
    fi
    for k in "${!lines[@]}"; do
        n=$((k + 1))
        sed -n "/^@@$n\$/,/^@@/p" "$tmp/zsh.out" | sed '1d;/^@@/d' >"$tmp/zsh.one"
        if grep -qF -- "${wants[k]}" "$tmp/zsh.one"; then
            pass "${checks[k]}"
        else
            fail "${checks[k]}" "the terminal showed: $(tr -s ' \n' ' ' <"$tmp/zsh.one" | tail -c 120)"
        fi
    done
fi

# --- REPL commands: the command table (src/cmd.c) <-> README.md and the man page ---------------
# (issue 7, helper "loop") Each row of cmd_table starts a line with {"/name"; the README's REPL
# command table lists them in backticks in its first column; the man page names them with
# ".Ic /name". All three must hold exactly the same names.
cmd_src=$root/src/cmd.c
if [ ! -f "$cmd_src" ]; then
    skip "REPL commands documented" "no $cmd_src"
else
    grep -oE '^[[:space:]]*\{"/[a-z]+"' "$cmd_src" | grep -oE '/[a-z]+' | sort -u >"$tmp/cmd.table"
    if [ ! -s "$tmp/cmd.table" ]; then
        fail "REPL command table found" "no {\"/name\" rows in $cmd_src"
    else
        pass "REPL command table found ($(tr '\n' ' ' <"$tmp/cmd.table" | sed 's/ $//'))"
        sed -n '/^## Interactive mode/,/^## /p' "$readme" | grep -E '^\| `/' |
            cut -d'|' -f2 | grep -oE '`/[a-z]+' | tr -d '`' | sort -u >"$tmp/cmd.readme"
        same_set "README's REPL command table lists exactly the commands" "$tmp/cmd.table" \
            "$tmp/cmd.readme" "commands" "cmd_table"
        grep -v '^\.\\"' "$man_page" | grep -oE 'Ic /[a-z]+' | sed 's/^Ic //' |
            sort -u >"$tmp/cmd.man"
        same_set "man page names exactly the REPL commands" "$tmp/cmd.table" "$tmp/cmd.man" \
            "commands" "cmd_table"
    fi
fi

# --- option rows: every row of src/cli_table.c sets its type and field through a row macro
# (OPT_SECS(field) and the like), which fails to compile when the field has the wrong type ------
rows=$(sed -n '/^const struct cli_opt cli_options\[\] = {/,/^};/p' "$root/src/cli_table.c")
byhand=$(echo "$rows" | grep -nE '\.(type|off|off_n)[[:space:]]*=' | head -3)
nrows=$(echo "$rows" | grep -cE '^[[:space:]]*\{\.')
nmacro=$(echo "$rows" | grep -oE 'OPT_[A-Z_0-9]+' | wc -l)
if [ -z "$rows" ]; then
    fail "option rows use the row macros" "no cli_options[] in src/cli_table.c"
elif [ -n "$byhand" ]; then
    fail "option rows use the row macros" "a row sets .type/.off by hand: $byhand"
elif [ "$nrows" != "$nmacro" ]; then
    fail "option rows use the row macros" "$nrows rows, $nmacro OPT_* macros"
else
    pass "option rows use the row macros ($nrows rows)"
fi

# --- include boundaries: tls.c (with tls_ctx.c) and crypto.c are the only files that include OpenSSL, repl.c the
# only one that includes readline, jqfilter.c the only one that includes libjq (as README.md's layout and the headers say) -----------------
includers() { grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$1/" "$root"/src/*.[ch] |
    xargs -r -n1 basename | sort | tr '\n' ' ' | sed 's/ $//'; }
got=$(includers openssl)
if [ "$got" = "crypto.c tls.c tls_ctx.c tls_int.h" ]; then
    pass "only tls.c, tls_ctx.c and crypto.c include OpenSSL"
else
    fail "only tls.c, tls_ctx.c and crypto.c include OpenSSL" "files including <openssl/...>: $got"
fi
got=$(includers readline)
if [ "$got" = "repl.c" ]; then
    pass "only repl.c includes readline"
else
    fail "only repl.c includes readline" "files including <readline/...>: $got"
fi
got=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(jq|jv)\.h>' "$root"/src/*.[ch] |
    xargs -r -n1 basename | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$got" = "jqfilter.c" ]; then
    pass "only jqfilter.c includes libjq (jq.h, jv.h)"
else
    fail "only jqfilter.c includes libjq (jq.h, jv.h)" "files including <jq.h> or <jv.h>: $got"
fi

if [ "$failed" -gt 0 ]; then
    echo "# it_docs: $failed check(s) failed"
    exit 1
fi
exit 0
