#!/usr/bin/env bash
# A camfrac batch job for SLURM that survives the wall-time limit
# (docs/hpc.md, "Restarting").
#
#   sbatch examples/slurm-job.sh my-run.prm
#
# SLURM sends SIGUSR1 to every task 10 minutes before the limit (--signal);
# camfrac finishes the time step it is in, writes a checkpoint and exits with
# status 75. The script then queues its own continuation, which restarts from
# the newest checkpoint (on whatever number of nodes it gets). Periodic
# checkpoints (Checkpoint/Wall-clock interval, default 1 h) protect against
# node failures; a killed job keeps the previous checkpoint intact.
#
# Set the margin (here 600 s) above the duration of the longest time step
# (timing.txt, or the progress line with --progress).

#SBATCH --job-name=camfrac
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=64
#SBATCH --cpus-per-task=1
#SBATCH --time=24:00:00
#SBATCH --signal=USR1@600
#SBATCH --output=camfrac-%j.log

set -uo pipefail
export OMP_NUM_THREADS=1 DEAL_II_NUM_THREADS=1
camfrac=${CAMFRAC:-camfrac}              # path to build/bin/camfrac, or installed
parameters=${1:?usage: sbatch slurm-job.sh FILE.prm [CHECKPOINT_DIR]}
# Checkpoint/Directory of the run; default <Output/Directory>/checkpoint.
checkpoints=${2:-$(sed -n 's/^ *set Directory *= *\(.*\)$/\1/p' "$parameters" | head -1)/checkpoint}

if [ -e "$checkpoints/latest" ]; then
  srun "$camfrac" --restart "$checkpoints"
else
  srun "$camfrac" "$parameters"
fi
status=$?

case $status in
  0)  echo "camfrac finished" ;;
  75) echo "camfrac stopped before the wall-time limit: queueing the continuation"
      sbatch --dependency=afterany:"$SLURM_JOB_ID" "$0" "$parameters" "$checkpoints" ;;
  *)  echo "camfrac failed with status $status (1 input, 2 solver failure, 3 other): not resubmitted" ;;
esac
exit $status
