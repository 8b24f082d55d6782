package org.kemu.schedfair.hosted;

import java.util.concurrent.locks.ReentrantLock;
import org.kemu.schedfair.internal.SeamGuard;

/** A primitive's guard on real threads: a real lock, held only while its state changes. */
final class HostedGuard extends ReentrantLock implements SeamGuard {
    private static final long serialVersionUID = 1L;
}
