package org.kemu.plugintestkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.kemu.lab.RunLimits;

/**
 * The small simulated machine {@link KemuExtension} boots for a test; on a test method it overrides
 * the one on the class. Runtime costs are free and memory bandwidth is 10 GB/s per node and per core,
 * so expected times are easy to compute by hand; mm and GUP costs are mm-gup's defaults. It boots
 * through the lab's root with the lab's run defaults, as {@code kemu run} does.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface KemuMachine {
    int nodes() default 1;

    int coresPerNode() default 4;

    int threadsPerCore() default 1;

    long memoryPerNodeMiB() default 1024;

    long seed() default 1;

    /** Boot-time 2 MiB hugetlb pages per node (hugepages=). */
    long hugepages2mPerNode() default 0;

    /** Boot-time 1 GiB hugetlb pages per node (hugepagesz=1G hugepages=). */
    long hugepages1gPerNode() default 0;

    /**
     * Virtual time limit of each run on the machine, seconds (0 = none); a run past it fails with
     * {@code ETIME (sim:virtual_time_limit)}. The default is the lab's ({@code RunLimits.defaults()}).
     */
    double maxVirtualSeconds() default RunLimits.DEFAULT_MAX_VIRTUAL_SECONDS;

    /**
     * Wall time limit of each run on the machine, seconds (0 = none); a run past it, for instance a
     * plugin sleeping or busy-looping on the host thread, fails with {@code ETIME (sim:wall_time_limit)}.
     */
    double maxWallSeconds() default RunLimits.DEFAULT_MAX_WALL_SECONDS;

    /** Padata features of the context's default {@code padata()}: the lab's default, or mainline padata. */
    Padata padata() default Padata.DEFAULT;

    /** Which padata the context's default {@code padata()} is. */
    enum Padata {
        /** The lab's default for every run ({@code LabConfig.of}): the 2022 series, patches 2-14. */
        DEFAULT,
        /** Mainline padata, none of the series' additions. */
        MAINLINE
    }
}
