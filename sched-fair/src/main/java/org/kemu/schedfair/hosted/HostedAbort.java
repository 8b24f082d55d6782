package org.kemu.schedfair.hosted;

/** Unwinds a hosted task whose run was aborted (deadlock, another task's failure). */
final class HostedAbort extends Error {
    private static final long serialVersionUID = 1L;

    HostedAbort() {
        super("run aborted", null, false, false);
    }
}
