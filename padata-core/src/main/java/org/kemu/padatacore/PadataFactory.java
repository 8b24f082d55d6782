package org.kemu.padatacore;

import org.kemu.schedfair.Kernel;

/** Hands out the {@link Padata} of a kernel; asking twice for one kernel gives the same globals. */
public interface PadataFactory {
    Padata forKernel(Kernel kernel);
}
