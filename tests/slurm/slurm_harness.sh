# slurm_harness.sh - a private single-node SLURM (munged + slurmctld + slurmd) on localhost for tests.
#
# Owns: bringing up and tearing down a throw-away SLURM cluster in a temp directory, sourced by
# tests/slurm/test_slurm_array.sh. Nothing system-wide is touched: the munge key, socket, seed, pid and
# log files, slurm.conf, StateSaveLocation and slurmd spool all live in $SH_DIR, the daemons listen on
# free ports of 127.0.0.1, and teardown kills only the pids this shell started (also from the EXIT trap).
#
# Use:   . slurm_harness.sh; sh_require || exit 77; sh_start || fail; ...; sh_stop
# After sh_start the client commands (sbatch, squeue, scontrol, scancel, sinfo) see the cluster through
# SLURM_CONF, which sh_start exports.

SH_DIR=""
SH_MUNGED_PID=""
SH_CTLD_PID=""
SH_SLURMD_PID=""
SH_NODE=axconnode
SH_PART=axcontest

# Prints "SKIP: reason" and returns 1 when this machine cannot host the test cluster.
sh_require() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: $SH_WHO: needs root to run slurmctld/slurmd (running as uid $(id -u))"
        return 1
    fi
    for b in munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
        if ! command -v "$b" >/dev/null 2>&1; then
            echo "SKIP: $SH_WHO: '$b' not found (Debian: apt-get install slurm-wlm munge)"
            return 1
        fi
    done
    return 0
}

# Two TCP ports of 127.0.0.1 that nothing listens on (python3 binds port 0 when available).
sh_free_ports() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c '
import socket
ss = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))'
    else
        p=$(( 20000 + $$ % 20000 ))
        echo "$p $((p + 1))"
    fi
}

sh_log() { echo "# $*"; }

# Print the daemon logs (called on failure).
sh_dump_logs() {
    [ -n "$SH_DIR" ] || return 0
    for f in munged.log:15 slurmctld.log:40 slurmd.log:40 slurmctld.out:10 slurmd.out:10; do
        _n=${f#*:}
        f=$SH_DIR/${f%:*}
        [ -s "$f" ] || continue
        echo "----- $f (last $_n lines)"
        tail -n "$_n" "$f"
    done
}

# Wait up to $1 seconds for the command "$2..." to succeed.
sh_wait_for() {
    _t=$1; shift
    _n=0
    while [ "$_n" -lt $((_t * 5)) ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
        _n=$((_n + 1))
    done
    return 1
}

sh_pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Wait up to $2 seconds for "$3..." to succeed while daemon pid $1 lives; 1 as soon as it dies.
sh_wait_daemon() {
    _pid=$1
    _t=$2
    shift 2
    _n=0
    while [ "$_n" -lt $((_t * 5)) ]; do
        sh_pid_alive "$_pid" || { echo "# pid $_pid exited"; return 1; }
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
        _n=$((_n + 1))
    done
    return 1
}

sh_start() {
    SH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/axcon-slurm.XXXXXX") || return 1
    # munged wants its socket directory searchable by all; the key itself is 0400 root
    chmod 755 "$SH_DIR"
    mkdir -p "$SH_DIR/munge" "$SH_DIR/state" "$SH_DIR/spool/$SH_NODE" || return 1
    chmod 755 "$SH_DIR/munge"

    # --- munge: own key, socket, seed, pid and log, so a system munged (if any) is left alone
    dd if=/dev/urandom of="$SH_DIR/munge/munge.key" bs=1024 count=1 2>/dev/null || return 1
    chmod 400 "$SH_DIR/munge/munge.key"
    SH_SOCK="$SH_DIR/munge/munge.socket"
    munged -F -f --socket="$SH_SOCK" --key-file="$SH_DIR/munge/munge.key" \
        --pid-file="$SH_DIR/munge/munged.pid" --seed-file="$SH_DIR/munge/munged.seed" \
        --log-file="$SH_DIR/munged.log" >>"$SH_DIR/munged.log" 2>&1 &
    SH_MUNGED_PID=$!
    if ! sh_wait_daemon "$SH_MUNGED_PID" 10 sh_munge_ok; then
        echo "# munged (pid $SH_MUNGED_PID) did not answer on $SH_SOCK"
        return 1
    fi
    sh_log "munged pid $SH_MUNGED_PID, socket $SH_SOCK"

    # --- slurm.conf
    set -- $(sh_free_ports)
    SH_CTLD_PORT=$1
    SH_SLURMD_PORT=$2
    SH_CPUS=$(nproc 2>/dev/null || echo 1)
    SH_HOST=$(hostname -s 2>/dev/null || uname -n)
    # RealMemory must not exceed what slurmd finds, or the node is drained: 2000 MB or 80% of RAM
    SH_MEM=$(awk '/^MemTotal:/ { m = int($2 / 1024 * 0.8); print (m < 2000 ? m : 2000) }' /proc/meminfo 2>/dev/null)
    [ -n "$SH_MEM" ] || SH_MEM=1000
    cat >"$SH_DIR/slurm.conf" <<CONF
# throw-away single-node cluster of tests/slurm (generated)
ClusterName=axcontest
SlurmctldHost=$SH_HOST(127.0.0.1)
SlurmctldPort=$SH_CTLD_PORT
SlurmdPort=$SH_SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SH_SOCK
CredType=cred/munge
StateSaveLocation=$SH_DIR/state
SlurmdSpoolDir=$SH_DIR/spool/%n
SlurmctldPidFile=$SH_DIR/slurmctld.pid
SlurmdPidFile=$SH_DIR/slurmd.pid
SlurmctldLogFile=$SH_DIR/slurmctld.log
SlurmdLogFile=$SH_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=600
MailProg=/bin/true
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$SH_NODE NodeAddr=127.0.0.1 NodeHostname=$SH_HOST CPUs=$SH_CPUS RealMemory=$SH_MEM State=UNKNOWN
PartitionName=$SH_PART Nodes=$SH_NODE Default=YES MaxTime=INFINITE State=UP
CONF
    SLURM_CONF="$SH_DIR/slurm.conf"
    export SLURM_CONF

    # --- daemons in the foreground (-D) as children of this shell, so $! is their pid
    slurmctld -D -c -i -f "$SLURM_CONF" >>"$SH_DIR/slurmctld.out" 2>&1 &
    SH_CTLD_PID=$!
    if ! sh_wait_daemon "$SH_CTLD_PID" 30 sh_ctld_up; then
        echo "# slurmctld (pid $SH_CTLD_PID) did not come up"
        return 1
    fi
    sh_log "slurmctld pid $SH_CTLD_PID, port $SH_CTLD_PORT"
    slurmd -D -f "$SLURM_CONF" -N "$SH_NODE" >>"$SH_DIR/slurmd.out" 2>&1 &
    SH_SLURMD_PID=$!
    if ! sh_wait_daemon "$SH_SLURMD_PID" 60 sh_node_idle; then
        echo "# slurmd (pid $SH_SLURMD_PID) did not register an idle node:"
        sinfo -N 2>&1 | sed 's/^/#   /'
        return 1
    fi
    sh_log "slurmd pid $SH_SLURMD_PID, port $SH_SLURMD_PORT, node $SH_NODE ($SH_CPUS CPUs)"
    return 0
}

sh_munge_ok() {
    sh_pid_alive "$SH_MUNGED_PID" || return 1
    munge -n -S "$SH_SOCK" 2>/dev/null | unmunge -S "$SH_SOCK" >/dev/null 2>&1
}
sh_ctld_up() {
    sh_pid_alive "$SH_CTLD_PID" || return 1
    scontrol ping 2>/dev/null | grep -q 'is UP'
}
sh_node_idle() {
    sh_pid_alive "$SH_SLURMD_PID" || return 1
    sinfo -h -N -n "$SH_NODE" -o '%t' 2>/dev/null | grep -qx 'idle'
}

# Wait up to $2 seconds until job $1 (all array tasks) has left the queue; 1 on timeout.
sh_wait_job() {
    _job=$1
    _t=$2
    _n=0
    while [ "$_n" -lt $((_t * 2)) ]; do
        if [ -z "$(squeue -h -j "$_job" -o '%i' 2>/dev/null)" ]; then
            # squeue printed nothing: either finished or the controller does not answer
            scontrol ping 2>/dev/null | grep -q 'is UP' && return 0
        fi
        sleep 0.5
        _n=$((_n + 1))
    done
    return 1
}

# One line per array task of job $1: "TASKID STATE EXITCODE".
sh_job_states() {
    scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' |
        awk -F= '$1=="ArrayTaskId"{t=$2} $1=="JobState"{s=$2} $1=="ExitCode"{print t, s, $2}'
}

# Cancel what is left, stop slurmd, slurmctld and munged (only the pids started here), remove SH_DIR.
sh_stop() {
    if sh_pid_alive "$SH_CTLD_PID"; then
        _left=$(squeue -h -o '%A' 2>/dev/null)
        if [ -n "$_left" ]; then
            scancel $_left 2>/dev/null
            sh_wait_for 15 sh_queue_empty
        fi
    fi
    for _p in "$SH_SLURMD_PID" "$SH_CTLD_PID" "$SH_MUNGED_PID"; do
        [ -n "$_p" ] || continue
        if sh_pid_alive "$_p"; then
            kill -TERM "$_p" 2>/dev/null
            _n=0
            while sh_pid_alive "$_p" && [ "$_n" -lt 50 ]; do sleep 0.2; _n=$((_n + 1)); done
            sh_pid_alive "$_p" && kill -KILL "$_p" 2>/dev/null
        fi
        wait "$_p" 2>/dev/null
    done
    SH_SLURMD_PID=""
    SH_CTLD_PID=""
    SH_MUNGED_PID=""
    if [ -n "$SH_DIR" ] && [ -z "${AXCON_KEEP_SLURM_DIR:-}" ]; then
        rm -rf "$SH_DIR"
    elif [ -n "$SH_DIR" ]; then
        echo "# kept $SH_DIR"
    fi
    SH_DIR=""
}
sh_queue_empty() { [ -z "$(squeue -h -o '%A' 2>/dev/null)" ]; }
