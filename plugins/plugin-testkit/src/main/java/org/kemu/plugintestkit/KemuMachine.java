package org.kemu.plugintestkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The small simulated machine {@link KemuExtension} boots for a test; on a test method it overrides
 * the one on the class. Runtime costs are free and memory bandwidth is 10 GB/s per node and per core,
 * so expected times are easy to compute by hand.
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

    /** Padata features: mainline padata, or the 2022 series without the CFS-bandwidth cap. */
    Padata padata() default Padata.MAINLINE;

    /** Which padata the context's default {@code padata()} is. */
    enum Padata {
        MAINLINE, RFC2022
    }
}
