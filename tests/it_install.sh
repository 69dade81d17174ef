#!/usr/bin/env bash
# it_install.sh - integration test: `make install` as the README documents it.
#
# Installs the binary under test (its build directory is taken from $WSC, which must live in this
# tree, e.g. build/wsc or build-asan/wsc) with PREFIX, with lowercase prefix, and with DESTDIR
# (alone: configure's prefix under DESTDIR; and with PREFIX), each into a temporary directory, and
# checks the five files: the binary runs --version, the man page and the bash, zsh and fish
# completions are the ones in the tree. A dry run first shows every path `make install PREFIX=`
# writes is under PREFIX, and each install runs only after such a dry run (so a broken PREFIX
# never touches /usr/local).
set -u
. "$(dirname "$0")/lib.sh"

root=$(dirname "$TESTS_DIR")
case $WSC in
"$root"/*/wsc) B=${WSC#"$root"/} B=${B%/wsc} ;;
*)
	echo "ok - install # SKIP $WSC is not built in $root"
	exit 0
	;;
esac
# A make started from `make check` must not join its jobserver or inherit its variables.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
version=$("$WSC" --version)

# check_tree DIR: the five installed files under DIR (a prefix).
check_tree() {
	local d=$1 f
	expect_that "[ -x '$d/bin/wsc' ]" "no executable $d/bin/wsc"
	if [ -x "$d/bin/wsc" ]; then
		local v
		v=$("$d/bin/wsc" --version 2>&1)
		expect_that "[ \"\$v\" = \"\$version\" ]" "installed --version says '$v', expected '$version'"
	fi
	for f in "man/wsc.1:share/man/man1/wsc.1" \
		"completions/wsc.bash:share/bash-completion/completions/wsc" \
		"completions/_wsc:share/zsh/site-functions/_wsc" \
		"completions/wsc.fish:share/fish/vendor_completions.d/wsc.fish"; do
		expect_that "cmp -s '$root/${f%%:*}' '$d/${f#*:}'" "$d/${f#*:} missing or not ${f%%:*}"
	done
}

# outside DEST ARGS...: the absolute paths that `make -n install ARGS` would write to outside
# DEST (and the tree); the dry run's output stays in $TMP/dry.log.
outside() {
	local dest=$1
	shift
	make -C "$root" --no-print-directory -n B="$B" install "$@" >"$TMP/dry.log" 2>&1 ||
		echo "(make -n install $* failed)"
	# Join continued lines, then every absolute path of every install command.
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$TMP/dry.log" | grep '^install ' | tr ' ' '\n' |
		grep '^/' | grep -v "^$dest/" | grep -v "^$root/"
}

# run_install DEST ARGS...: make install ARGS, whose files must land under DEST. It runs only
# when a dry run shows nothing would be written elsewhere (a broken PREFIX must not install into
# /usr/local); output in $TMP/make.log.
run_install() {
	local dest=$1 out rc
	shift
	out=$(outside "$dest" "$@")
	if [ -n "$out" ]; then
		_fail " not run: make install $* would write outside $dest: $(echo "$out" | tr '\n' ' ')"
		return
	fi
	make -C "$root" --no-print-directory B="$B" install "$@" >"$TMP/make.log" 2>&1
	rc=$?
	expect_that "[ $rc = 0 ]" "make install $* exited $rc: $(tail -n 3 "$TMP/make.log" | tr '\n' ' ')"
	check_tree "$dest"
}

t_begin "install: dry run with PREFIX writes only under PREFIX"
out=$(outside "$TMP/dry" PREFIX="$TMP/dry")
n=$(grep -c '^install ' "$TMP/dry.log")
expect_that "[ $n -ge 6 ]" "expected the install commands in the dry run, got $n"
expect_that "[ -z \"\$out\" ]" "paths outside PREFIX: $(echo "$out" | tr '\n' ' ')"
t_end

t_begin "install: PREFIX=DIR (as the README says)"
run_install "$TMP/p" PREFIX="$TMP/p"
t_end

t_begin "install: lowercase prefix=DIR still works"
run_install "$TMP/q" prefix="$TMP/q"
t_end

t_begin "install: DESTDIR with PREFIX stages under DESTDIR/PREFIX"
run_install "$TMP/stage/opt/wsc" DESTDIR="$TMP/stage" PREFIX=/opt/wsc
t_end

t_begin "install: DESTDIR alone stages under DESTDIR and configure's prefix"
prefix=$(sed -n 's/^prefix = //p' "$root/$B/config.mk")
expect_that "[ -n '$prefix' ]" "no prefix in $B/config.mk"
run_install "$TMP/stage2$prefix" DESTDIR="$TMP/stage2"
t_end
