# SPDX-License-Identifier: ISC
# Sourced by scripts: exports every MARIMBA_* default of conf/marimba.env
# that the environment does not already set. Expects $root.
while IFS='=' read -r _name _value; do
	if [ -z "${!_name:-}" ]; then
		export "$_name=$_value"
	fi
done < <(grep -E '^MARIMBA_[A-Z0-9_]+=' "$root/conf/marimba.env")
unset _name _value
