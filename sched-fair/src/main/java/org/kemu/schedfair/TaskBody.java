package org.kemu.schedfair;

/** The code an emulated task runs: plain sequential kernel code against the {@link Kernel}. */
@FunctionalInterface
public interface TaskBody {
    void run();
}
