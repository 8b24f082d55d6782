package org.kemu.padatacore.kthread;

import java.util.ArrayList;
import java.util.List;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.LockValidator;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;

/**
 * {@code struct padata_mt_job_state} with the series' fields. Since patch 3 the job description is
 * no longer consumed in place: {@code position}/{@code remaining} are the shared cursor, so
 * padata_undo can walk from {@code job.start} to the last unit ever handed out. Mutable fields are
 * guarded by {@code lock}.
 */
final class MtJobState {
    final SpinLock lock;
    final Completion completion;
    final PadataMtJob<Object> job;
    /** Null unless patch 4 is on. */
    final LockValidator.LockMap lockMap;
    /** Patch 15: helpers charge their runtime to {@code cpuGroup}, the main task's group. */
    final boolean remoteCharging;
    final CpuCgroup cpuGroup;
    final List<PadataWork> works = new ArrayList<>();
    final List<PadataWork> failedWorks = new ArrayList<>();

    long position;
    long remaining;
    int error;
    long chunkSize;
    /** Mainline completion counting, used when one-by-one renicing is off. */
    int nworks;
    int nworksFini;
    /** Patch 14: the helper the main task lent its nice to and now waits for. */
    Task nicedTask;
    /** The task that called padata_do_multithreaded; signal-aware helpers watch its fatal signal. */
    Task main;
    /** A thread saw the main task's fatal signal and stopped handing out chunks. */
    boolean interrupted;

    MtJobState(SpinLock lock, Completion completion, PadataMtJob<Object> job, LockValidator.LockMap lockMap,
            boolean remoteCharging, CpuCgroup cpuGroup) {
        this.remoteCharging = remoteCharging;
        this.lock = lock;
        this.completion = completion;
        this.job = job;
        this.lockMap = lockMap;
        this.cpuGroup = cpuGroup;
        this.position = job.start();
        this.remaining = job.size();
    }
}
