# bash completion for wsc(1), the command-line WebSocket client.
#
# Adding an option is one line in the table in _wsc_options: the short form ("-" if none),
# the long form, and what follows the option:
#   -            nothing (a flag)
#   arg          a value with nothing to offer (URL, number, text)
#   host         a host name
#   file         a file name
#   words:A B C  one of the listed words
# tests/it_docs.sh checks the table against wsc's option table (wsc --dump-options), the man page
# and the other completions.

_wsc_options()
{
    cat <<'EOF'
-   --host                host
-   --port                arg
-   --path                arg
-   --protocol            words:ws wss
-   --unix-socket         file
-   --abstract-unix-socket arg
-4  --ipv4                -
-6  --ipv6                -
-   --resolve             arg
-   --connect-to          arg
-s  --subprotocol         arg
-o  --origin              arg
-H  --header              arg
-   --bearer              arg
-   --auth                arg
-L  --location            -
-   --max-redirs          arg
-   --location-trusted    -
-   --connect-timeout     arg
-   --cacert              file
-k  --insecure            -
-   --capath              file
-   --cert                file
-   --key                 file
-   --pass                arg
-   --tls-max             words:default 1.2 1.3
-   --tlsv1.2             -
-   --tlsv1.3             -
-   --ciphers             arg
-   --tls13-ciphers       arg
-   --pinnedpubkey        arg
-   --max-message-size    arg
-   --ping-interval       arg
-   --no-keepalive        -
-   --ping-timeout        arg
-   --reconnect           -
-   --reconnect-delay     arg
-   --reconnect-max       arg
-   --queue-size          arg
-b  --binary              -
-0  --null                -
-x  --execute             arg
-w  --wait                arg
-   --binary-format       words:hex base64 raw
-   --json                -
-   --write-out           arg
-m  --match               arg
-E  --match-regex         arg
-i  --ignore-case         -
-   --jq                  arg
-   --jq-output           -
-   --expect-first        -
-n  --count               arg
-P  --show-ping-pong      -
-   --timestamps          -
-   --color               words:auto always never
-   --no-history          -
-   --timeout             arg
-   --proxy               arg
-   --proxy-user          arg
-   --noproxy             arg
-   --proxy-cacert        file
-   --proxy-insecure      -
-q  --quiet               -
-v  --verbose             -
-   --log-comms           -
-h  --help                -
-V  --version             -
EOF
}

_wsc()
{
    local cur prev prefix='' kind='' short long what
    local -a table
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

    # "--opt=value": with "=" in COMP_WORDBREAKS bash splits it into "--opt" "=" "value";
    # without, it is one word and the value needs the "--opt=" prefix back.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        prefix=$prev=
        cur=${cur#*=}
    fi

    mapfile -t table < <(_wsc_options)

    local line
    for line in "${table[@]}"; do
        read -r short long what <<<"$line"
        if [[ $what != - && (($short != - && $prev == "$short") || $prev == "$long") ]]; then
            kind=$what
            break
        fi
    done

    COMPREPLY=()
    case $kind in
    words:*)
        local IFS=$' \t\n'
        mapfile -t COMPREPLY < <(compgen -P "$prefix" -W "${kind#words:}" -- "$cur")
        return
        ;;
    file)
        if [[ -z $prefix ]] && declare -F _filedir >/dev/null; then
            _filedir
        else
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -P "$prefix" -f -- "$cur")
        fi
        return
        ;;
    host)
        mapfile -t COMPREPLY < <(compgen -P "$prefix" -A hostname -- "$cur")
        return
        ;;
    ?*)
        # A value with nothing to offer.
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        local words=
        for line in "${table[@]}"; do
            read -r short long what <<<"$line"
            [[ $short != - ]] && words+=" $short"
            words+=" $long"
        done
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    fi
    # The URL operand: nothing to offer.
}

complete -F _wsc wsc
