#!/usr/bin/env bash
# Runs the sweep on a Slurm cluster: a job array of N shards
# (verify run -shard i/N), then a merge job that starts when every shard
# has succeeded (verify merge) and writes the report the unsharded run
# writes, byte for byte.
#
# Usage, from the repository root (Go on the login node):
#
#   cluster/slurm.sh [N]            # N shards, default 8
#
# Environment (all optional):
#   VERIFY_FLAGS  run flags, e.g. "-seed 7 -regimes 200 -outside 50"
#                 (not -out, -workers or -shard: set here)
#   OUT           output directory (default slurm-sweep): OUT/verify
#                 (the binary every job runs), OUT/shards, OUT/logs,
#                 OUT/report (the merged report)
#   CPUS          CPUs per shard, also its -workers (default 4)
#   TIME          time limit per shard (default 02:00:00)
#   SBATCH_FLAGS  more sbatch flags for every job, e.g. "--partition=short"
#
# The script submits itself: "slurm.sh shard" and "slurm.sh merge" are
# the two job steps (they read the variables above from the environment
# the jobs inherit).
set -euo pipefail

step=${1:-8}
case "$step" in
shard)
	# shellcheck disable=SC2086 # VERIFY_FLAGS is a list of flags
	exec "$OUT/verify" run $VERIFY_FLAGS -workers "$CPUS" \
		-shard "$SLURM_ARRAY_TASK_ID/$N" -out "$OUT/shards"
	;;
merge)
	exec "$OUT/verify" merge -out "$OUT/report" "$OUT/shards"
	;;
*)
	N=$step
	if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
		echo "slurm.sh: want a number of shards (or the job steps shard, merge), got '$N'" >&2
		exit 2
	fi
	OUT=$(mkdir -p "${OUT:-slurm-sweep}" && cd "${OUT:-slurm-sweep}" && pwd)
	mkdir -p "$OUT/shards" "$OUT/logs"
	# one binary for every job: shards of different builds do not merge
	go build -o "$OUT/verify" ./cmd/verify
	export OUT N VERIFY_FLAGS="${VERIFY_FLAGS:-}" CPUS="${CPUS:-4}"
	# shellcheck disable=SC2086 # SBATCH_FLAGS is a list of flags
	array=$(sbatch --parsable --export=ALL --chdir="$PWD" --job-name=attnclust-shard \
		--array="1-$N" --cpus-per-task="$CPUS" --time="${TIME:-02:00:00}" \
		--output="$OUT/logs/shard-%a.out" ${SBATCH_FLAGS:-} "$0" shard)
	# shellcheck disable=SC2086
	merge=$(sbatch --parsable --export=ALL --chdir="$PWD" --job-name=attnclust-merge \
		--dependency="afterok:${array%%;*}" --cpus-per-task=1 --time=00:30:00 \
		--output="$OUT/logs/merge.out" ${SBATCH_FLAGS:-} "$0" merge)
	echo "submitted shards ${array%%;*} (1-$N) and merge $merge; report in $OUT/report"
	;;
esac
